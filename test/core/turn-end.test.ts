import { describe, expect, it } from 'vitest';
import type { Turn } from '../../src/core/turn.js';
import type { AgentInstance } from '../../src/plugins/api.js';
import { waitFor } from '../support/wait.js';
import { gatewayHarnessPerTest, inbound } from './gateway-harness.js';

/** How a turn's end reaches its session and the metrics. */

const openHarness = gatewayHarnessPerTest();

const echo: AgentInstance = {
  kind: 'agent',
  async run(turn: Turn) {
    await turn.reply(`re: ${turn.messages[0]!.text}`);
  },
};

describe('the end of a turn', () => {
  it('a failed journal write at the end of a turn does not hold its session: the next message is answered', async () => {
    const harness = openHarness(echo);
    const inbox = harness.store.inbox;
    const finish = inbox.finish.bind(inbox);
    let failures = 0;
    inbox.finish = (seqs, state) => {
      if (failures++ === 0) return Promise.reject(new Error('disk full'));
      return finish(seqs, state);
    };
    await harness.gateway.emit(inbound('c', 'one'));
    await waitFor(() => harness.chat.sent.length === 1, 'the first answer');
    await harness.gateway.emit(inbound('c', 'two'));
    await waitFor(() => harness.chat.sent.length === 2, 'the answer after the failed write');
    expect(harness.chat.textsTo('c')).toEqual(['re: one', 're: two']);
    // The first message was never marked done: it stays unfinished, to be replayed at a restart.
    expect((await inbox.unfinished()).map((message) => message.inbound.text)).toEqual(['one']);
    expect(harness.gateway.scheduler.turnsRunning).toBe(0);
  });

  it('the turn gauges are read when scraped: running and queued while a turn hangs, zero after', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const harness = openHarness({
      kind: 'agent',
      async run(turn: Turn) {
        if (turn.messages[0]!.text === 'hang') await released;
      },
    });
    await harness.gateway.emit(inbound('c', 'hang'));
    await harness.gateway.emit(inbound('c', 'queued'));
    const during = await harness.registry.metrics();
    expect(during).toContain('switchboard_turns_running 1');
    expect(during).toContain('switchboard_session_queue_depth 1');
    expect(during).toContain('switchboard_sessions_live 1');
    release();
    await waitFor(() => harness.gateway.scheduler.turnsRunning === 0 && harness.gateway.scheduler.queuedTotal === 0, 'the turns to end');
    const after = await harness.registry.metrics();
    expect(after).toContain('switchboard_turns_running 0');
    expect(after).toContain('switchboard_session_queue_depth 0');
  });
});
