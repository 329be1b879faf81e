import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCoreMetrics } from '../../src/admin/metrics.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { OutboxEntry } from '../../src/store/types.js';
import { recordingChannel } from '../support/recording-channel.js';
import { waitFor } from '../support/wait.js';

function entry(name: string): OutboxEntry {
  return {
    key: `r1|${name}`,
    roundKey: 'r1',
    turnId: 't1',
    target: { channel: 'chat', chatId: 'c1' },
    replyText: name,
    text: name,
    part: 0,
    parts: 1,
  };
}

describe('dispatcher', () => {
  it("tells a reply's waiter once the platform took it, but sends the target's next row only after the first is recorded as sent (DESIGN.md invariant 9)", async () => {
    const outbox = createMemoryStore().outbox;
    let record!: () => void;
    const recorded = new Promise<void>((resolve) => (record = resolve));
    const markSent = outbox.markSent.bind(outbox);
    outbox.markSent = (id, platformMessageId) => recorded.then(() => markSent(id, platformMessageId));
    const chat = recordingChannel();
    const dispatcher = new Dispatcher({
      channel: () => chat,
      outbox,
      metrics: createCoreMetrics(new Registry()),
      log: pino({ level: 'silent' }),
    });
    const rows = await outbox.enqueue([entry('first'), entry('second')]);
    const first = dispatcher.deliver([rows[0]!]);
    const second = dispatcher.deliver([rows[1]!]);
    expect(await first).toEqual([{ status: 'sent' }]);
    // The first send is not recorded yet: a crash now repeats at most that one send to this target.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(chat.sent.map((o) => o.text)).toEqual(['first']);
    record();
    expect(await second).toEqual([{ status: 'sent' }]);
    await waitFor(async () => (await outbox.pending()).length === 0, 'both rows recorded as sent');
    expect(chat.sent.map((o) => o.text)).toEqual(['first', 'second']);
    dispatcher.close();
  });
});
