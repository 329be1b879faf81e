import { afterEach } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createCoreMetrics } from '../../src/admin/metrics.js';
import { Gateway, type GatewaySettings } from '../../src/core/gateway.js';
import type { Inbound } from '../../src/core/types.js';
import type { AgentInstance } from '../../src/plugins/api.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { type RecordingChannel, recordingChannel } from '../support/recording-channel.js';

let nextId = 0;

/** An inbound on the `chat` channel. */
export function inbound(chatId: string, text: string, extra: Partial<Inbound> = {}): Inbound {
  return {
    id: String(++nextId),
    channel: 'chat',
    chat: { id: chatId, type: 'dm' },
    sender: { id: `user-${chatId}`, name: 'User', isBot: false },
    text,
    mentionsBot: true,
    receivedAt: Date.now(),
    ...extra,
  };
}

export type GatewayHarness = ReturnType<typeof gatewayHarness>;

/**
 * For a test file: each test opens its own harness with the returned function, and it is closed
 * after the test.
 */
export function gatewayHarnessPerTest(): (...args: Parameters<typeof gatewayHarness>) => GatewayHarness {
  let current: GatewayHarness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return (...args) => {
    current = gatewayHarness(...args);
    return current;
  };
}

/** A Gateway with a memory store, recording channels `chat` and `other`, and the given agent. */
export function gatewayHarness(agent: AgentInstance, settings: Partial<GatewaySettings> = {}, channelOptions = {}) {
  const registry = new Registry();
  const metrics = createCoreMetrics(registry);
  const store = createMemoryStore();
  const channels: Record<string, RecordingChannel> = {
    chat: recordingChannel(channelOptions),
    other: recordingChannel({ allowed: (target) => target.chatId !== 'forbidden' }),
  };
  const gateway = new Gateway({
    settings: {
      sessionScope: 'thread',
      queueMode: 'queue',
      maxParallelTurns: 8,
      maxQueuedPerSession: 100,
      sessionIdleMs: 60_000,
      turnTimeoutMs: 600_000,
      workingIndicatorDelayMs: 0,
      finalReplyDedupe: 'text',
      busyReply: 'Busy, try again later.',
      ...settings,
    },
    store,
    metrics,
    log: pino({ level: 'silent' }),
    agent: () => agent,
    channel: (name) => channels[name],
    sessionScopeOf: () => undefined,
  });
  return {
    gateway,
    store,
    registry,
    chat: channels.chat!,
    other: channels.other!,
    close: async () => {
      gateway.scheduler.close();
      gateway.dispatcher.close();
      await store.close();
    },
  };
}
