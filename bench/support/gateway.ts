import pino from 'pino';
import { Registry } from 'prom-client';
import { createCoreMetrics } from '../../src/admin/metrics.js';
import { Gateway, type GatewaySettings } from '../../src/core/gateway.js';
import type { Inbound } from '../../src/core/types.js';
import type { AgentInstance, ChannelInstance } from '../../src/plugins/api.js';
import type { Store } from '../../src/store/types.js';

/** A gateway wired for in-process benchmarks: the given store and agent, a sink channel, silent logs. */
export function benchGateway(
  store: Store,
  agent: AgentInstance,
  settings: Partial<GatewaySettings> = {},
  channel?: ChannelInstance,
): Gateway {
  const sink: ChannelInstance = channel ?? {
    kind: 'channel',
    capabilities: { maxMessageLength: 4096, format: 'plain', threads: false, typing: false, edits: false },
    start: async () => {},
    stop: async () => {},
    send: async () => ({}),
  };
  return new Gateway({
    settings: {
      sessionScope: 'chat',
      queueMode: 'queue',
      maxParallelTurns: 64,
      maxQueuedPerSession: 100,
      sessionIdleMs: 300_000,
      turnTimeoutMs: 600_000,
      workingIndicatorDelayMs: 0,
      finalReplyDedupe: 'text',
      busyReply: 'busy',
      ...settings,
    },
    store,
    metrics: createCoreMetrics(new Registry()),
    log: pino({ level: 'silent' }),
    agent: () => agent,
    channel: () => sink,
    sessionScopeOf: () => undefined,
  });
}

/** The i-th message of a burst over `sessions` sessions. */
export function benchInbound(i: number, sessions: number, channel = 'bench'): Inbound {
  return {
    id: String(i),
    channel,
    chat: { id: String(i % sessions), type: 'dm' },
    sender: { id: 'u', name: 'u', isBot: false },
    text: 'hi',
    mentionsBot: true,
    receivedAt: 0,
  };
}

/** Resolves when the gateway has no running turn and nothing queued. */
export async function drained(gateway: Gateway): Promise<void> {
  while (gateway.scheduler.turnsRunning > 0 || gateway.scheduler.queuedTotal > 0) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}
