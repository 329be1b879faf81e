import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';

/** Bolt's logger interface, silent but for errors (on stderr, so the benchmark's stdout stays clean). */
const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...message: unknown[]) => console.error('[bare-slack]', ...message),
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/**
 * The baseline of bench/slack: a bare @slack/bolt echo app in Socket Mode with the Slack plugin's
 * client options (Web API base URL, which Socket Mode's apps.connections.open goes through too, no
 * retries, rate-limited calls rejected) and its Socket Mode receiver options, and nothing behind it:
 * every message is answered `echo: <text>` with `say`, in a thread under a top-level message (the
 * plugin's default `replyInThread`). Bolt's receiver acknowledges each envelope BEFORE the listener
 * runs (the plugin does it after journaling). Resolves once the socket is connected.
 */
export async function startBareEchoApp(apiUrl: string, botToken: string, appToken: string): Promise<App> {
  const clientOptions = { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: quietLogger };
  const receiver = new SocketModeReceiver({
    appToken,
    logger: quietLogger,
    serverPingTimeout: 30_000,
    installerOptions: { clientOptions },
  });
  const app = new App({ token: botToken, receiver, clientOptions, logger: quietLogger });
  app.message(async ({ message, say }) => {
    if (message.subtype !== undefined || typeof message.text !== 'string') return;
    await say({ text: `echo: ${message.text}`, thread_ts: message.thread_ts ?? message.ts });
  });
  app.error(async (error) => {
    console.error('[bare-slack] listener failed', error);
  });
  await app.start();
  return app;
}
