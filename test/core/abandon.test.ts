import { describe, expect, it } from 'vitest';
import { controlReplies } from '../../src/core/gateway.js';
import type { Turn } from '../../src/core/turn.js';
import { notices } from '../../src/core/turn-runner.js';
import type { AgentInstance } from '../../src/plugins/api.js';
import { waitFor } from '../support/wait.js';
import { gatewayHarnessPerTest, inbound } from './gateway-harness.js';

/** An agent that ignores its AbortSignal never holds its session (or a turn slot) for good. */

const openHarness = gatewayHarnessPerTest();

/** Hangs on "hang" (deaf to the signal) until released; answers anything else at once. */
function deafAgent() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const late: Array<Promise<unknown>> = [];
  const agent: AgentInstance = {
    kind: 'agent',
    async run(turn: Turn) {
      const text = turn.messages[0]!.text;
      if (text === 'hang') {
        await released;
        late.push(turn.reply('too late'));
        return;
      }
      await turn.reply(`re: ${text}`);
    },
  };
  return { agent, release, late };
}

describe('an agent deaf to abort', () => {
  it('after a turn timeout: the session goes on once the grace is over, and its late reply is refused', async () => {
    const deaf = deafAgent();
    const harness = openHarness(deaf.agent, { turnTimeoutMs: 100, maxParallelTurns: 1 });
    const { gateway, chat } = harness;
    await gateway.emit(inbound('c', 'hang'));
    await gateway.emit(inbound('c', 'next'));
    await gateway.emit(inbound('d', 'other session'));
    await waitFor(() => chat.sent.length === 3, 'timeout notice and both other replies', 8_000);
    expect(chat.textsTo('c')).toEqual([notices.timeout(100), 're: next']);
    expect(chat.textsTo('d')).toEqual(['re: other session']);
    expect(gateway.scheduler.turnsRunning).toBe(0);
    expect(await harness.registry.getSingleMetricAsString('switchboard_turns_abandoned_total')).toContain('switchboard_turns_abandoned_total 1');
    deaf.release();
    await waitFor(() => deaf.late.length === 1, 'late reply attempted');
    expect(await deaf.late[0]).toEqual({ status: 'refused', reason: 'the turn has ended' });
    expect(chat.textsTo('c')).toEqual([notices.timeout(100), 're: next']);
  });

  it('after /stop: the stop is answered at once and the next message runs after the grace', async () => {
    const deaf = deafAgent();
    const harness = openHarness(deaf.agent);
    const { gateway, chat } = harness;
    await gateway.emit(inbound('c', 'hang'));
    await waitFor(() => gateway.scheduler.turnsRunning === 1, 'turn running');
    await gateway.emit(inbound('c', '/stop'));
    await waitFor(() => chat.sent.length === 1, 'stop answer');
    expect(chat.textsTo('c')).toEqual([controlReplies.stopped(0)]);
    await gateway.emit(inbound('c', 'after'));
    await waitFor(() => chat.sent.length === 2, 'reply after the grace', 8_000);
    expect(chat.textsTo('c')).toEqual([controlReplies.stopped(0), 're: after']);
    deaf.release();
  });
});
