import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchedulerHarness } from './scheduler-harness.js';

const commands = (sessions: number) =>
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('arrive' as const), session: fc.nat(sessions - 1) }),
      fc.record({ kind: fc.constant('end' as const), session: fc.nat(sessions - 1) }),
    ),
    { maxLength: 300 },
  );

describe('scheduler invariants over random arrival schedules (queue mode)', () => {
  it('never two turns of one session, at most N at once, the limit used, order kept, each message once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        commands(12),
        (limit, sessions, script) => {
          const harness = new SchedulerHarness({ maxParallelTurns: limit });
          const arrived = new Map<string, number[]>();
          const waitingSince = new Map<string, number>(); // session -> step it became ready to run
          let step = 0;
          const check = () => {
            step++;
            expect(harness.violations).toEqual([]);
            expect(harness.running.size).toBeLessThanOrEqual(limit);
            // The limit is used: with k sessions that have work, min(k, limit) turns run.
            const withWork = harness.scheduler.busySessions().length;
            expect(harness.running.size).toBe(Math.min(withWork, limit));
          };
          for (const command of script) {
            const key = `s${command.session % sessions}`;
            if (command.kind === 'arrive') {
              const message = harness.arrive(key);
              arrived.set(key, [...(arrived.get(key) ?? []), message.seq]);
              if (!harness.running.has(key) && !waitingSince.has(key)) waitingSince.set(key, step);
            } else {
              harness.end(key);
            }
            check();
          }
          while (harness.end()) check();
          // Every message ran exactly once, in arrival order per session.
          const ran = new Map<string, number[]>();
          for (const turn of harness.started)
            ran.set(turn.sessionKey, [...(ran.get(turn.sessionKey) ?? []), ...turn.seqs]);
          expect(ran).toEqual(arrived);
          expect(harness.refused).toEqual([]);
          harness.close();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grants slots first come first served: no session waits behind more turns than sessions ahead of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), commands(8), (limit, script) => {
        const harness = new SchedulerHarness({ maxParallelTurns: limit });
        // Order in which sessions became ready (had work, no running turn, not yet granted).
        const ready: string[] = [];
        const markReady = (key: string) => {
          if (!ready.includes(key)) ready.push(key);
        };
        let startedBefore = 0;
        const afterCommand = () => {
          for (const turn of harness.started.slice(startedBefore)) {
            // The session granted must be the oldest ready one.
            expect(turn.sessionKey).toBe(ready[0]);
            ready.shift();
          }
          startedBefore = harness.started.length;
        };
        for (const command of script) {
          const key = `s${command.session}`;
          if (command.kind === 'arrive') {
            if (!harness.running.has(key)) markReady(key);
            harness.arrive(key);
          } else if (harness.running.has(key)) {
            const queuedBehind = harness.scheduler.busySessions().find((s) => s.key === key)!.queued > 0;
            if (queuedBehind) ready.push(key);
            harness.end(key);
          }
          afterCommand();
        }
        harness.close();
      }),
      { numRuns: 300 },
    );
  });

  it('does not starve session N+1 when N sessions always have more work', () => {
    const limit = 4;
    const harness = new SchedulerHarness({ maxParallelTurns: limit });
    for (let s = 0; s < limit; s++) for (let i = 0; i < 50; i++) harness.arrive(`busy${s}`);
    const late = harness.arrive('late');
    expect(harness.running.size).toBe(limit);
    let turnsBeforeLate = 0;
    while (!harness.started.some((turn) => turn.seqs.includes(late.seq))) {
      expect(harness.end()).toBe(true);
      turnsBeforeLate++;
    }
    // Only the turns of the sessions ahead of it in the FIFO (one each) may finish first.
    expect(turnsBeforeLate).toBeLessThanOrEqual(limit);
    harness.close();
  });

  it('refuses beyond maxQueuedPerSession and counts nothing as lost', () => {
    const harness = new SchedulerHarness({ maxParallelTurns: 1, maxQueuedPerSession: 3 });
    for (let i = 0; i < 6; i++) harness.arrive('chat');
    // One runs, three wait, two are refused.
    expect(harness.started).toHaveLength(1);
    expect(harness.refused.map((m) => m.seq)).toEqual([5, 6]);
    let ended = 0;
    while (harness.end()) ended++;
    expect(ended).toBe(4);
    expect(harness.started.flatMap((turn) => turn.seqs)).toEqual([1, 2, 3, 4]);
    harness.close();
  });
});

describe('queue modes', () => {
  it('collect: what arrives while busy becomes ONE next turn with all of it', () => {
    const harness = new SchedulerHarness({ queueMode: 'collect' });
    harness.arrive('c');
    harness.arrive('c');
    harness.arrive('c');
    harness.arrive('c');
    expect(harness.started.map((turn) => turn.seqs)).toEqual([[1]]);
    harness.end('c');
    expect(harness.started.map((turn) => turn.seqs)).toEqual([[1], [2, 3, 4]]);
    harness.close();
  });

  it('interrupt: a new message aborts the running turn, then runs', () => {
    const harness = new SchedulerHarness({ queueMode: 'interrupt' });
    harness.arrive('c');
    harness.arrive('c');
    expect(harness.started[0]!.aborted).toBe('interrupt');
    harness.end('c');
    expect(harness.started.map((turn) => turn.seqs)).toEqual([[1], [2]]);
    harness.close();
  });

  it('steer: messages go into the running turn when the agent accepts steering, else they queue', () => {
    const steering = new SchedulerHarness({ queueMode: 'steer', acceptsSteering: true });
    steering.arrive('c');
    steering.arrive('c');
    expect(steering.started).toHaveLength(1);
    expect(steering.started[0]!.steered.map((m) => m.seq)).toEqual([2]);
    steering.close();
    const plain = new SchedulerHarness({ queueMode: 'steer', acceptsSteering: false });
    plain.arrive('c');
    plain.arrive('c');
    plain.end('c');
    expect(plain.started.map((turn) => turn.seqs)).toEqual([[1], [2]]);
    plain.close();
  });
});

describe('/stop', () => {
  it('while running: aborts the turn, drops the queue, touches no other session', () => {
    const harness = new SchedulerHarness({ maxParallelTurns: 2 });
    harness.arrive('a');
    harness.arrive('a');
    harness.arrive('a');
    harness.arrive('b');
    harness.arrive('b');
    expect(harness.scheduler.stop('a')).toEqual({ aborted: true, dropped: 2 });
    expect(harness.running.get('a')!.aborted).toBe('stop');
    expect(harness.running.get('b')!.aborted).toBeUndefined();
    expect(harness.cancelled.map((m) => m.seq)).toEqual([2, 3]);
    harness.end('a');
    harness.end('b');
    expect(harness.started.map((t) => t.seqs)).toEqual([[1], [4], [5]]);
    harness.close();
  });

  it('while queued behind the limit (waiting for a slot): drops the messages, and the slot passes on', () => {
    const harness = new SchedulerHarness({ maxParallelTurns: 1 });
    harness.arrive('a');
    harness.arrive('b');
    harness.arrive('c');
    expect(harness.scheduler.stop('b')).toEqual({ aborted: false, dropped: 1 });
    harness.end('a');
    expect(harness.started.map((t) => t.sessionKey)).toEqual(['a', 'c']);
    harness.close();
  });

  it('while idle: nothing to stop, state intact for the next message', () => {
    const harness = new SchedulerHarness();
    expect(harness.scheduler.stop('nobody')).toEqual({ aborted: false, dropped: 0 });
    harness.arrive('a');
    harness.end('a');
    expect(harness.scheduler.stop('a')).toEqual({ aborted: false, dropped: 0 });
    harness.arrive('a');
    expect(harness.started).toHaveLength(2);
    harness.close();
  });
});

describe('session expiry (invariant 5)', () => {
  it('a session whose turn outlives the idle time never gets a second concurrent turn', () => {
    const harness = new SchedulerHarness({ sessionIdleMs: 1 });
    harness.arrive('slow');
    harness.advance(1000);
    harness.scheduler.sweepIdle();
    harness.arrive('slow');
    expect(harness.violations).toEqual([]);
    expect(harness.started).toHaveLength(1);
    harness.end('slow');
    expect(harness.started).toHaveLength(2);
    harness.end('slow');
    harness.advance(1000);
    harness.scheduler.sweepIdle();
    expect(harness.scheduler.sessionsLive).toBe(0);
    harness.close();
  });

  it('releases 100,000 one-message sessions after the idle time', () => {
    const harness = new SchedulerHarness({ sessionIdleMs: 10, maxParallelTurns: 64 });
    for (let i = 0; i < 100_000; i++) {
      harness.arrive(`s${i}`);
      harness.end(`s${i}`);
    }
    expect(harness.scheduler.sessionsLive).toBe(100_000);
    harness.advance(11);
    harness.scheduler.sweepIdle();
    expect(harness.scheduler.sessionsLive).toBe(0);
    expect(harness.scheduler.turnsRunning).toBe(0);
    harness.close();
  });
});
