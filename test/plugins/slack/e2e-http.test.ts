import { afterEach, describe, expect, it } from 'vitest';
import slackPlugin, { type SlackChannelInfo } from '../../../plugins/slack/index.js';
import type { Daemon } from '../../../src/daemon.js';
import type { AnyPluginDefinition } from '../../../src/plugins/api.js';
import { eventCallback, messageEvent } from '../../fakes/slack/payloads.js';
import { FakeSlack, world } from '../../fakes/slack/server.js';
import { startTestDaemon } from '../../support/daemon.js';
import { waitFor } from '../../support/wait.js';

/** End to end over the HTTP Events API: the fake signs and POSTs events to the plugin's /slack/events. */

const signingSecret = 'fake-signing-secret';
let fake: FakeSlack | undefined;
let daemon: Daemon | undefined;

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await fake?.close();
  fake = undefined;
});

async function start() {
  fake = await FakeSlack.start();
  daemon = await startTestDaemon({
    plugins: { slack: slackPlugin as unknown as AnyPluginDefinition },
    config: {
      plugins: {
        slack: {
          enabled: true,
          mode: 'http',
          port: 0,
          botToken: 'xoxb-fake',
          signingSecret,
          apiUrl: fake.apiUrl,
          allowFrom: ['*'],
          minSendIntervalMs: 0,
        },
      },
    },
  });
  await waitFor(() => daemon!.status().plugins.find((p) => p.name === 'slack')?.state === 'running', 'slack running', 20_000);
  const url = (daemon.plugin('slack') as unknown as SlackChannelInfo).eventsUrl;
  return { fake, daemon, url };
}

function dmEvent(fake: FakeSlack, text: string) {
  const ts = fake.nextTs();
  return { ts, body: eventCallback(messageEvent({ channel: world.dm, channelType: 'im', text, ts }), fake.nextEventId()) };
}

describe('slack channel end to end (HTTP Events API)', () => {
  it('answers the url_verification challenge', async () => {
    const { fake, url } = await start();
    const answer = await fake.postEvent(url, { type: 'url_verification', token: 't', challenge: 'c-123' }, { signingSecret });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ challenge: 'c-123' });
  });

  it('answers a signed DM event, and a retry (X-Slack-Retry-Num) of it is handled once', async () => {
    const { fake, url } = await start();
    const { body } = dmEvent(fake, 'over http');
    expect((await fake.postEvent(url, body, { signingSecret })).status).toBe(200);
    await waitFor(() => fake.posted.length === 1, 'reply');
    expect(fake.posted[0]).toMatchObject({ channel: world.dm, text: 'echo: over http' });
    expect((await fake.postEvent(url, body, { signingSecret, retryNum: 1 })).status).toBe(200);
    // A later message is answered after the retry was handled: the retry produced nothing.
    expect((await fake.postEvent(url, dmEvent(fake, 'next').body, { signingSecret })).status).toBe(200);
    await waitFor(() => fake.posted.length === 2, 'second reply');
    expect(fake.posted.map((m) => m.text)).toEqual(['echo: over http', 'echo: next']);
  });

  it('refuses a bad signature and a stale timestamp with 401, storing nothing', async () => {
    const { fake, url, daemon } = await start();
    const bad = await fake.postEvent(url, dmEvent(fake, 'forged').body, { signingSecret: 'wrong-secret' });
    expect(bad.status).toBe(401);
    const stale = await fake.postEvent(url, dmEvent(fake, 'old').body, { signingSecret, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect((await fake.postEvent(url, dmEvent(fake, 'genuine').body, { signingSecret })).status).toBe(200);
    await waitFor(() => fake.posted.length === 1, 'reply to the genuine event');
    expect(fake.posted.map((m) => m.text)).toEqual(['echo: genuine']);
    const inbound = await daemon.metrics.getSingleMetric('switchboard_inbound_messages_total')!.get();
    expect(inbound.values.reduce((sum, v) => sum + v.value, 0)).toBe(1);
  });
});
