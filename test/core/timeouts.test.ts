import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ActiveTurn } from '../../src/core/active-turn.js';
import { TurnTimeouts } from '../../src/core/timeouts.js';

/** The turn-timeout list: oldest first, any turn removable, only overdue turns aborted. */

afterEach(() => {
  vi.useRealTimers();
});

function fakeTurn(name: string, aborted: string[]): ActiveTurn {
  return { deadline: 0, timeoutPrev: undefined, timeoutNext: undefined, abort: () => aborted.push(name) } as unknown as ActiveTurn;
}

/** A turn's deadline runs from its start. */
function started(turn: ActiveTurn): ActiveTurn {
  (turn as { startedAt: number }).startedAt = Date.now();
  return turn;
}

describe('TurnTimeouts', () => {
  it('aborts overdue turns only, never a removed one, and can list a turn again', () => {
    vi.useFakeTimers();
    const aborted: string[] = [];
    const timeouts = new TurnTimeouts(1000);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => fakeTurn(name, aborted));
    timeouts.add(started(a!));
    timeouts.add(started(b!));
    vi.advanceTimersByTime(500);
    timeouts.add(started(c!));
    timeouts.delete(b!); // ended in time: from the middle
    timeouts.delete(b!); // twice is harmless
    vi.advanceTimersByTime(600); // a is overdue, c is not
    expect(aborted).toEqual(['a']);
    timeouts.delete(a!); // its end after the abort is harmless too
    timeouts.add(started(d!));
    timeouts.delete(c!); // the head
    vi.advanceTimersByTime(2000);
    expect(aborted).toEqual(['a', 'd']);
    timeouts.add(started(b!)); // listed again after being removed
    vi.advanceTimersByTime(1200);
    expect(aborted).toEqual(['a', 'd', 'b']);
  });
});
