import { describe, expect, it } from 'vitest';
import type { Turn } from '../../src/core/turn.js';
import type { AgentInstance, WorkingIndicator } from '../../src/plugins/api.js';
import { waitFor } from '../support/wait.js';
import { type GatewayHarness, gatewayHarnessPerTest, inbound } from './gateway-harness.js';

/** The working indicator (typing, a reaction) appears only for turns that outlast the delay. */

const openHarness = gatewayHarnessPerTest();

/** An agent whose turns end when the test says so. */
function heldAgent() {
  const release = new Map<string, () => void>();
  const agent: AgentInstance = {
    kind: 'agent',
    run: (turn: Turn) =>
      new Promise<void>((resolve) => release.set(turn.messages[0]!.text, resolve)).then(() => turn.reply(`re: ${turn.messages[0]!.text}`)).then(() => undefined),
  };
  return { agent, release: (text: string) => release.get(text)?.() , started: (text: string) => release.has(text) };
}

function withIndicator(h: GatewayHarness) {
  const shown: Array<{ indicator: WorkingIndicator; at: number; endedAt?: number }> = [];
  h.chat.indicateWorking = (indicator) => {
    const entry: { indicator: WorkingIndicator; at: number; endedAt?: number } = { indicator, at: Date.now() };
    shown.push(entry);
    indicator.signal.addEventListener('abort', () => (entry.endedAt = Date.now()), { once: true });
  };
  return shown;
}

describe('working indicator', () => {
  it('is not shown for a turn that ends within the delay', async () => {
    const held = heldAgent();
    const harness = openHarness(held.agent, { workingIndicatorDelayMs: 300 });
    const shown = withIndicator(harness);
    await harness.gateway.emit(inbound('c1', 'quick'));
    await waitFor(() => held.started('quick'), 'turn started');
    held.release('quick');
    await waitFor(() => harness.chat.sent.length === 1, 'reply');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(shown).toEqual([]);
  });

  it('is shown once a turn outlasts the delay, for its chat and trigger, and ended with the turn', async () => {
    const held = heldAgent();
    const harness = openHarness(held.agent, { workingIndicatorDelayMs: 100 });
    const shown = withIndicator(harness);
    const began = Date.now();
    await harness.gateway.emit(inbound('c1', 'slow', { id: 'm-slow' }));
    await waitFor(() => shown.length === 1, 'indicator shown');
    expect(shown[0]!.at - began).toBeGreaterThanOrEqual(90);
    expect(shown[0]!.indicator.target).toMatchObject({ channel: 'chat', chatId: 'c1' });
    expect(shown[0]!.indicator.triggerId).toBe('m-slow');
    expect(shown[0]!.indicator.signal.aborted).toBe(false);
    held.release('slow');
    await waitFor(() => shown[0]!.endedAt !== undefined, 'indicator ended');
    expect(harness.chat.sent).toHaveLength(1);
  });

  it('with a delay of 0 is shown as the turn starts', async () => {
    const held = heldAgent();
    const harness = openHarness(held.agent, { workingIndicatorDelayMs: 0 });
    const shown = withIndicator(harness);
    await harness.gateway.emit(inbound('c1', 'now'));
    await waitFor(() => held.started('now'), 'turn started');
    expect(shown).toHaveLength(1);
    held.release('now');
    await waitFor(() => shown[0]!.endedAt !== undefined, 'indicator ended');
  });

  it('is ended when the turn ends by /stop, by a timeout or by an agent error', async () => {
    const agent: AgentInstance = {
      kind: 'agent',
      run: (turn: Turn) =>
        new Promise<void>((_resolve, reject) => {
          if (turn.messages[0]!.text === 'fail') setTimeout(() => reject(new Error('model down')), 50);
          turn.signal.addEventListener('abort', () => reject(turn.signal.reason), { once: true });
        }),
    };
    const harness = openHarness(agent, { workingIndicatorDelayMs: 0, turnTimeoutMs: 300 });
    const shown = withIndicator(harness);
    const { gateway } = harness;
    await gateway.emit(inbound('stopped', 'wait'));
    await gateway.emit(inbound('timed', 'wait'));
    await gateway.emit(inbound('failed', 'fail'));
    await waitFor(() => shown.length === 3, 'three indicators');
    await gateway.emit(inbound('stopped', '/stop'));
    await waitFor(() => shown.every((entry) => entry.endedAt !== undefined), 'every indicator ended', 5_000);
    expect(shown.map((entry) => entry.indicator.target.chatId).sort()).toEqual(['failed', 'stopped', 'timed']);
    expect(gateway.scheduler.turnsRunning).toBe(0);
  });
});
