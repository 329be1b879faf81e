import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { Inbound } from '../../src/core/types.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { migrations } from '../../src/store/sqlite/database.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { OutboxEntry, Store } from '../../src/store/types.js';
import { tempDir } from '../support/cli.js';

const open: Store[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

function memory(): Store {
  const store = createMemoryStore();
  open.push(store);
  return store;
}

function sqlite(path = join(tempDir('switchboard-store-'), 'test.db'), options: { checkpointEveryMs?: number } = {}): Store {
  const store = openSqliteStore(path, options);
  open.push(store);
  return store;
}

function inbound(id: string, chat = 'c1', channel = 'test'): Inbound {
  return {
    id,
    channel,
    chat: { id: chat, type: 'dm' },
    sender: { id: 'u', name: 'U', isBot: false },
    text: `text ${id}`,
    mentionsBot: true,
    receivedAt: 1,
  };
}

/** An outbox entry of round `r1` (or overrides.roundKey) whose key ends in `name`. */
function entry(name: string, overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  const roundKey = overrides.roundKey ?? 'r1';
  return {
    key: `${roundKey}|${name}`,
    roundKey,
    turnId: 't1',
    target: { channel: 'test', chatId: 'c1', threadId: '7' },
    replyText: 'whole reply',
    text: `part ${name}`,
    part: 0,
    parts: 1,
    ...overrides,
  };
}

describe.each([
  ['memory', memory],
  ['sqlite', () => sqlite()],
] as const)('%s store contract', (_name, make) => {
  it('accepts once per (channel, platform id) and numbers messages in acceptance order', async () => {
    const store = make();
    const a = await store.inbox.accept(inbound('1'), 's1');
    const b = await store.inbox.accept(inbound('2', 'c2'), 's2');
    const again = await store.inbox.accept(inbound('1'), 's1');
    const otherChannel = await store.inbox.accept(inbound('1', 'c1', 'other'), 's3');
    expect(again).toBeNull();
    expect(a!.seq).toBeLessThan(b!.seq);
    expect(b!.seq).toBeLessThan(otherChannel!.seq);
    expect(a!.inbound).toEqual(inbound('1'));
  });

  it('lists queued and running messages as unfinished, in seq order', async () => {
    const store = make();
    const seqs = [];
    for (let i = 0; i < 5; i++) seqs.push((await store.inbox.accept(inbound(String(i)), `s${i % 2}`))!.seq);
    await store.inbox.markRunning([seqs[0]!]);
    await store.inbox.finish([seqs[1]!], 'done');
    await store.inbox.finish([seqs[2]!], 'refused');
    await store.inbox.cancelQueued([seqs[3]!]);
    const unfinished = await store.inbox.unfinished();
    expect(unfinished.map((m) => m.seq)).toEqual([seqs[0], seqs[4]]);
    expect(unfinished[0]).toEqual({ seq: seqs[0], sessionKey: 's0', inbound: inbound('0') });
    // A finished message's id is still known: a late redelivery is not handled again.
    expect(await store.inbox.accept(inbound('1'), 's1')).toBeNull();
  });

  it('takes a second finish of a message (a /stop racing the turn end) harmlessly', async () => {
    const store = make();
    const a = await store.inbox.accept(inbound('a'), 's');
    await store.inbox.cancelQueued([a!.seq]);
    await store.inbox.finish([a!.seq], 'done');
    // Finished once: not unfinished, pruned once.
    expect(await store.inbox.unfinished()).toEqual([]);
    expect(await store.prune(Date.now() + 1)).toMatchObject({ messages: 1 });
  });

  it('adds outbox entries once per key and round-trips every field', async () => {
    const store = make();
    const added = await store.outbox.enqueue([entry('k1', { replyToId: 'm9' }), entry('k2', { part: 1, parts: 2 })]);
    expect(added.map((row) => row.key)).toEqual(['r1|k1', 'r1|k2']);
    expect(await store.outbox.enqueue([entry('k1'), entry('k3')])).toHaveLength(1);
    const pending = await store.outbox.pending();
    expect(pending.map((row) => row.key)).toEqual(['r1|k1', 'r1|k2', 'r1|k3']);
    expect(pending[0]).toEqual({ ...entry('k1', { replyToId: 'm9' }), id: added[0]!.id, state: 'pending', attempts: 0, nextAttemptAt: 0 });
  });

  it('tracks sends: sent and failed rows leave pending, retries count attempts', async () => {
    const store = make();
    const [a, b, c] = await store.outbox.enqueue([entry('a'), entry('b'), entry('c')]);
    await store.outbox.markSent(a!.id, 'pm-1');
    await store.outbox.markRetry(b!.id, 12345, '429 too many requests');
    await store.outbox.markRetry(b!.id, 23456, '429 again');
    await store.outbox.markFailed(c!.id, '403 blocked');
    const pending = await store.outbox.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ key: 'r1|b', attempts: 2, nextAttemptAt: 23456, error: '429 again' });
  });

  it('returns what a round placed, once per target and text', async () => {
    const store = make();
    const other = { channel: 'test', chatId: 'c2' };
    await store.outbox.enqueue([
      entry('p0', { part: 0, parts: 2, final: true }),
      entry('p1', { part: 1, parts: 2, final: true }),
      entry('x', { target: other, replyText: 'to c2' }),
      entry('elsewhere', { roundKey: 'r2' }),
      // Round keys that share r1's prefix (or its key prefix `r1|`) are other rounds.
      entry('longer', { roundKey: 'r10', replyText: 'r10' }),
      entry('piped', { roundKey: 'r1|x', replyText: 'r1|x' }),
    ]);
    expect(await store.outbox.roundRecord('r1')).toEqual([
      { target: entry('p0').target, replyText: 'whole reply', final: true },
      { target: other, replyText: 'to c2', final: false },
    ]);
    expect((await store.outbox.roundRecord('r1|x')).map((r) => r.replyText)).toEqual(['r1|x']);
  });

  it('resolves a barrier only after the accepts called before it', async () => {
    const store = make();
    const order: string[] = [];
    // A store may answer synchronously (memory) or with a promise (SQLite): both are awaited alike.
    const accepts = ['a', 'b'].map((id) => Promise.resolve(store.inbox.accept(inbound(id), 's')).then(() => order.push(id)));
    await Promise.resolve(store.inbox.barrier()).then(() => order.push('barrier'));
    await Promise.all(accepts);
    expect(order).toEqual(['a', 'b', 'barrier']);
  });

  it('refuses an outbox entry whose key does not start with its round key', async () => {
    const store = make();
    await expect(store.outbox.enqueue([{ ...entry('a'), key: 'r2|a' }])).rejects.toThrow(/does not start with its round key/);
    expect(await store.outbox.pending()).toEqual([]);
  });

  it('keeps history per session, oldest first, and resets it', async () => {
    const store = make();
    await store.history.append('s1', [
      { role: 'user', content: 'one', name: 'U', at: 1 },
      { role: 'assistant', content: 'two', at: 2 },
      { role: 'user', content: 'three', at: 3 },
    ]);
    await store.history.append('s2', [{ role: 'user', content: 'other', at: 4 }]);
    expect((await store.history.recent('s1', 2)).map((e) => e.content)).toEqual(['two', 'three']);
    expect(await store.history.recent('s1', 0)).toEqual([]);
    expect(await store.history.recent('s1', 10)).toEqual([
      { role: 'user', content: 'one', name: 'U', at: 1 },
      { role: 'assistant', content: 'two', at: 2 },
      { role: 'user', content: 'three', at: 3 },
    ]);
    await store.history.reset('s1');
    expect(await store.history.recent('s1', 10)).toEqual([]);
    expect(await store.history.recent('s2', 10)).toHaveLength(1);
  });

  it('prunes finished messages and sent rows older than the cutoff, never unfinished ones', async () => {
    const store = make();
    const done = await store.inbox.accept(inbound('done'), 's');
    const open = await store.inbox.accept(inbound('open'), 's');
    await store.inbox.finish([done!.seq], 'done');
    const [sent, pending] = await store.outbox.enqueue([entry('sent'), entry('pending')]);
    await store.outbox.markSent(sent!.id);
    const pruned = await store.prune(Date.now() + 1000);
    expect(pruned).toEqual({ messages: 1, outbox: 1 });
    expect((await store.inbox.unfinished()).map((m) => m.seq)).toEqual([open!.seq]);
    expect((await store.outbox.pending()).map((row) => row.id)).toEqual([pending!.id]);
    expect(await store.prune(0)).toEqual({ messages: 0, outbox: 0 });
  });

  it('never forgets the id of a message that finished after the cutoff, even one accepted before an earlier prune', async () => {
    const store = make();
    const x = await store.inbox.accept(inbound('x'), 's');
    expect(await store.prune(0)).toMatchObject({ messages: 0 });
    const cutoff = Date.now();
    await store.inbox.finish([x!.seq], 'done');
    expect(await store.prune(cutoff)).toMatchObject({ messages: 0 });
    expect(await store.inbox.accept(inbound('x'), 's')).toBeNull();
    expect(await store.prune(Date.now() + 1)).toMatchObject({ messages: 1 });
    expect(await store.inbox.accept(inbound('x'), 's')).not.toBeNull();
  });
});

describe('sqlite store', () => {
  it('behaves like the memory store for any sequence of accepts and finishes (property)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('accept' as const), id: fc.integer({ min: 0, max: 30 }), chat: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), state: fc.constantFrom('done' as const, 'failed' as const, 'refused' as const) }),
      fc.record({ kind: fc.constant('run' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const stores = [createMemoryStore(), sqlite()];
        const results: unknown[][] = [[], []];
        for (const [i, store] of stores.entries()) {
          const seqs: number[] = [];
          for (const o of ops) {
            if (o.kind === 'accept') {
              const m = await store.inbox.accept(inbound(String(o.id), `c${o.chat}`), `s${o.chat}`);
              results[i]!.push(m === null ? 'dup' : 'new');
              if (m) seqs.push(m.seq);
            } else if (seqs.length > 0 && o.kind === 'finish') {
              await store.inbox.finish([seqs[o.pick % seqs.length]!], o.state);
            } else if (seqs.length > 0) {
              await store.inbox.markRunning([seqs[o.pick % seqs.length]!]);
            }
          }
          results[i]!.push((await store.inbox.unfinished()).map((m) => [m.sessionKey, m.inbound.id]));
        }
        expect(results[1]).toEqual(results[0]);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps unfinished messages, pending sends and known ids across a reopen', async () => {
    const path = join(tempDir('switchboard-store-'), 'reopen.db');
    const first = openSqliteStore(path);
    const kept = await first.inbox.accept(inbound('kept'), 's');
    const finished = await first.inbox.accept(inbound('finished'), 's');
    await first.inbox.finish([finished!.seq], 'done');
    await first.outbox.enqueue([entry('pending')]);
    await first.close();
    const second = sqlite(path);
    expect((await second.inbox.unfinished()).map((m) => m.seq)).toEqual([kept!.seq]);
    expect((await second.outbox.pending()).map((row) => row.key)).toEqual(['r1|pending']);
    expect(await second.inbox.accept(inbound('finished'), 's')).toBeNull();
    expect((await second.inbox.accept(inbound('new'), 's'))!.seq).toBeGreaterThan(finished!.seq);
  });

  it('migrates a version-1 file: rows, ids and the id sequence kept, round records and key dedupe still found', async () => {
    const path = join(tempDir('switchboard-store-'), 'v1.db');
    // A file as version 1 left it: a queued message, a pending row of round s#5#0, and a pruned row
    // whose id the sequence must not hand out again (ids are sends' idempotency keys).
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.exec(migrations[0]!);
    raw.exec(`INSERT INTO messages (channel, platform_id, session_key, state, inbound, accepted_at)
        VALUES ('test', 'kept', 's', 'queued', '${JSON.stringify(inbound('kept'))}', 1);
      INSERT INTO outbox (key, round_key, turn_id, target, reply_text, text, part, parts, state, created_at, updated_at)
        VALUES ('s#5#0|t|h|0', 's#5#0', 't1', '{"channel":"test","chatId":"c1"}', 'whole reply', 'whole reply', 0, 1, 'pending', 1, 1),
               ('s#6#0|t|h|0', 's#6#0', 't2', '{"channel":"test","chatId":"c1"}', 'other', 'other', 0, 1, 'sent', 1, 1);
      DELETE FROM outbox WHERE round_key = 's#6#0';
      PRAGMA user_version = 1;`);
    raw.close();
    const store = sqlite(path);
    expect((await store.inbox.unfinished()).map((m) => m.inbound.id)).toEqual(['kept']);
    expect(await store.outbox.roundRecord('s#5#0')).toEqual([
      { target: { channel: 'test', chatId: 'c1' }, replyText: 'whole reply', final: false },
    ]);
    expect((await store.outbox.pending()).map((row) => [row.id, row.key])).toEqual([[1, 's#5#0|t|h|0']]);
    const [added] = await store.outbox.enqueue([entry('t|h|0', { roundKey: 's#7#0' })]);
    expect(added!.id).toBe(3);
    expect(await store.outbox.enqueue([entry('t|h|0', { roundKey: 's#5#0' })])).toEqual([]);
    await store.close();
    const check = new Database(path, { readonly: true });
    const indexes = (check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'`).all() as Array<{ name: string }>).map((r) => r.name);
    expect(indexes.sort()).toEqual(['history_session', 'messages_open', 'outbox_pending']);
    expect(check.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(migrations.length).toBe(4);
    expect(check.prepare(`SELECT round_seq FROM outbox ORDER BY id`).pluck().all()).toEqual([5, 7]);
    check.close();
  });

  it('prunes past old unfinished rows, and never a row accepted before the cutoff but finished after it', async () => {
    const store = sqlite();
    const stuck = await store.inbox.accept(inbound('stuck'), 's');
    const old = await store.inbox.accept(inbound('old'), 's');
    const late = await store.inbox.accept(inbound('late'), 's');
    await store.inbox.finish([old!.seq], 'done');
    const cutoff = Date.now() + 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.inbox.finish([late!.seq], 'done');
    expect(await store.prune(cutoff)).toMatchObject({ messages: 1 });
    expect((await store.inbox.unfinished()).map((m) => m.seq)).toEqual([stuck!.seq]);
    expect(await store.prune(Date.now() + 1)).toMatchObject({ messages: 1 });
  });

  it('checkpoints the WAL on a worker thread, so the file the writer appends to stays small', async () => {
    const walBytesAfter = async (checkpointEveryMs: number) => {
      const path = join(tempDir('switchboard-store-'), 'wal.db');
      const store = sqlite(path, { checkpointEveryMs });
      for (let round = 0; round < 80; round++) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => store.inbox.accept(inbound(`${round}-${i}`), `s${i}`)));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const bytes = statSync(`${path}-wal`).size;
      await store.close();
      // Closed with its worker: the file reopens with every message.
      const again = sqlite(path);
      expect(await again.inbox.unfinished()).toHaveLength(4000);
      await again.close();
      return bytes;
    };
    const withWorker = await walBytesAfter(0);
    const without = await walBytesAfter(-1);
    expect(without).toBeGreaterThan(3 * withWorker);
  });

  it('commits a burst of accepts in few transactions, each caller resolved', async () => {
    const store = sqlite();
    const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => store.inbox.accept(inbound(String(i % 1500)), 's')));
    expect(results.filter((r) => r !== null)).toHaveLength(1500);
    expect(new Set(results.filter((r) => r !== null).map((r) => r!.seq)).size).toBe(1500);
  });

  it('refuses a file that is not a database, naming it', () => {
    const path = join(tempDir('switchboard-store-'), 'corrupt.db');
    writeFileSync(path, Buffer.alloc(8192, 'garbage! '));
    expect(() => openSqliteStore(path)).toThrow(ConfigError);
    expect(() => openSqliteStore(path)).toThrow(new RegExp(`store.path: cannot open SQLite database "${path.replace(/[/.]/g, '\\$&')}": the file is not a SQLite database`));
  });

  it('refuses a database locked by another process, naming it', () => {
    const path = join(tempDir('switchboard-store-'), 'locked.db');
    sqlite(path);
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const error = (() => {
        try {
          openSqliteStore(path);
        } catch (e) {
          return e as ConfigError;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error!.file).toBe(path);
      expect(error!.message).toContain('locked by another process');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});
