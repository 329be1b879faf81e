import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DaemonStatus } from './status.js';

/**
 * The status page at the admin server's `/` (HTML, refreshes itself every 2 s) and its data at
 * `/status.json`. Returns false for any other path.
 */
export function statusPage(request: IncomingMessage, response: ServerResponse, status: () => DaemonStatus): boolean {
  const path = new URL(request.url ?? '/', 'http://admin').pathname;
  if (path === '/status.json') {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    response.end(JSON.stringify(status()));
    return true;
  }
  if (path !== '/') return false;
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    refresh: '2',
  });
  response.end(render(status()));
  return true;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escape(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => escapes[c]!);
}

function render(status: DaemonStatus): string {
  const now = Date.now();
  const plugins = status.plugins
    .map(
      (p) =>
        `<tr><td>${escape(p.name)}</td><td>${p.kind}</td><td class="state ${p.state}">${p.state}</td><td>${p.restarts}</td><td>${escape(p.reason ?? '')}</td></tr>`,
    )
    .join('');
  const busy = status.busySessions
    .map(
      (s) =>
        `<tr><td>${escape(s.sessionKey)}</td><td>${s.running ? 'running' : 'waiting'}</td><td>${s.queued}</td><td>${escape(s.turnId ?? '')}</td><td>${s.since ? `${((now - s.since) / 1000).toFixed(1)} s` : ''}</td></tr>`,
    )
    .join('');
  const errors = status.recentErrors
    .slice()
    .reverse()
    .map(
      (e) =>
        `<tr><td>${new Date(e.at).toISOString()}</td><td>${escape(e.plugin ?? '')}</td><td>${escape(e.sessionKey ?? '')}</td><td>${escape(e.message)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>switchboard status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
.state.running{color:#176b1a}.state.failed,.state.degraded{color:#a31515;font-weight:bold}
.figures span{display:inline-block;margin-right:1.5rem}
.figures b{font-size:1.4rem}
</style></head><body>
<h1>switchboard ${escape(status.version)}</h1>
<p class="figures">
<span>ready <b id="ready">${status.ready ? 'yes' : 'no'}</b></span>
<span>sessions live <b id="sessions-live">${status.sessionsLive}</b></span>
<span>turns running <b id="turns-running">${status.turnsRunning}</b></span>
<span>messages/s (1 min) <b id="messages-per-second">${status.messagesPerSecond.toFixed(2)}</b></span>
<span>up <b>${Math.round((now - status.startedAt) / 1000)} s</b></span>
</p>
<h2>Plugins</h2>
<table id="plugins"><tr><th>name</th><th>kind</th><th>state</th><th>restarts</th><th>reason</th></tr>${plugins}</table>
<h2>Busy sessions</h2>
<table id="busy"><tr><th>session</th><th>turn</th><th>queued</th><th>turn id</th><th>running for</th></tr>${busy || '<tr><td colspan="5">none</td></tr>'}</table>
<h2>Recent errors</h2>
<table id="errors"><tr><th>at</th><th>plugin</th><th>session</th><th>message</th></tr>${errors || '<tr><td colspan="4">none</td></tr>'}</table>
</body></html>`;
}
