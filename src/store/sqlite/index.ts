import type { Target } from '../../core/types.js';
import { checkOutboxKeys } from '../outbox-key.js';
import { roundSeqOf } from '../round-seq.js';
import type {
  History,
  HistoryEntry,
  Inbox,
  JournaledMessage,
  Outbox,
  OutboxEntry,
  OutboxRow,
  OutboxState,
  RoundSend,
  Store,
} from '../types.js';
import { Checkpointer, inlineCheckpointPages } from './checkpointer.js';
import { openDatabase } from './database.js';
import { WriteBatch } from './write-batch.js';

interface OutboxRecord {
  id: number;
  round_seq: number;
  key: string;
  round_key: string;
  turn_id: string;
  target: string;
  reply_text: string;
  text: string;
  part: number;
  parts: number;
  reply_to_id: string | null;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  platform_message_id: string | null;
  error: string | null;
  final: number;
}

function rowOf(record: OutboxRecord): OutboxRow {
  const row: OutboxRow = {
    id: record.id,
    key: record.key,
    roundKey: record.round_key,
    turnId: record.turn_id,
    target: JSON.parse(record.target) as Target,
    replyText: record.reply_text,
    text: record.text,
    part: record.part,
    parts: record.parts,
    state: record.state,
    attempts: record.attempts,
    nextAttemptAt: record.next_attempt_at,
  };
  if (record.reply_to_id !== null) row.replyToId = record.reply_to_id;
  if (record.final === 1) row.final = true;
  if (record.platform_message_id !== null) row.platformMessageId = record.platform_message_id;
  if (record.error !== null) row.error = record.error;
  return row;
}

const pruneChunk = 1000;
const maxRowid = '9223372036854775807';

/**
 * The durable store on one SQLite file (better-sqlite3, WAL). Writes of a tick share one
 * transaction (see WriteBatch); reads flush first, so they see every earlier write. The WAL is
 * checkpointed on a worker thread (see Checkpointer).
 */
export function openSqliteStore(path: string, options: { checkpointEveryMs?: number } = {}): Store {
  const db = openDatabase(path);
  db.pragma(`wal_autocheckpoint = ${inlineCheckpointPages}`);
  const checkpointer = new Checkpointer(path, options.checkpointEveryMs ?? 250);
  const batch = new WriteBatch(db, () => checkpointer.committed());
  const read = <T>(run: () => T): Promise<T> => {
    batch.flush();
    return Promise.resolve(run());
  };

  const s = {
    accept: db.prepare(
      `INSERT INTO messages (channel, platform_id, session_key, state, inbound, accepted_at)
       VALUES (?, ?, ?, 'queued', ?, ?) ON CONFLICT (channel, platform_id) DO NOTHING`,
    ),
    unfinished: db.prepare(`SELECT seq, session_key, inbound FROM messages WHERE state IN ('queued', 'running') ORDER BY seq`),
    markRunning: db.prepare(`UPDATE messages SET state = 'running' WHERE seq = ? AND state = 'queued'`),
    finish: db.prepare(`UPDATE messages SET state = ?, finished_at = ? WHERE seq = ? AND state IN ('queued', 'running')`),
    cancel: db.prepare(
      `UPDATE messages SET state = 'failed', finished_at = ? WHERE seq = ? AND state IN ('queued', 'running')`,
    ),
    enqueue: db.prepare(
      `INSERT INTO outbox (round_seq, key, round_key, turn_id, target, reply_text, text, part, parts, reply_to_id, final, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (round_seq, key) DO NOTHING`,
    ),
    pending: db.prepare(`SELECT * FROM outbox WHERE state = 'pending' ORDER BY id`),
    markSent: db.prepare(
      `UPDATE outbox SET state = 'sent', platform_message_id = COALESCE(?, platform_message_id), updated_at = ? WHERE id = ?`,
    ),
    markRetry: db.prepare(`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, error = ?, updated_at = ? WHERE id = ?`),
    markFailed: db.prepare(`UPDATE outbox SET state = 'failed', error = ?, updated_at = ? WHERE id = ?`),
    // By the unique index: the round's seq, then the prefix `<roundKey>|` of its keys (ends before
    // `<roundKey>}`: '}' follows '|').
    roundRecord: db.prepare(
      `SELECT target, reply_text, final FROM outbox WHERE round_seq = ? AND key >= ? AND key < ? AND round_key = ? ORDER BY id`,
    ),
    historyAppend: db.prepare(`INSERT INTO history (session_key, role, content, name, at) VALUES (?, ?, ?, ?, ?)`),
    historyRecent: db.prepare(
      `SELECT role, content, name, at FROM history WHERE session_key = ? ORDER BY id DESC LIMIT ?`,
    ),
    historyReset: db.prepare(`DELETE FROM history WHERE session_key = ?`),
    // Only rows accepted/created before the cutoff can have finished before it, and ids grow with
    // time: the scan walks the primary key from the oldest row and stops at the first newer one.
    pruneMessages: db.prepare(
      `DELETE FROM messages WHERE seq IN (
         SELECT seq FROM messages
         WHERE seq < COALESCE((SELECT seq FROM messages WHERE accepted_at >= @cutoff ORDER BY seq LIMIT 1), ${maxRowid})
           AND finished_at IS NOT NULL AND finished_at < @cutoff
         LIMIT ${pruneChunk})`,
    ),
    pruneOutbox: db.prepare(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox
         WHERE id < COALESCE((SELECT id FROM outbox WHERE created_at >= @cutoff ORDER BY id LIMIT 1), ${maxRowid})
           AND state <> 'pending' AND updated_at < @cutoff
         LIMIT ${pruneChunk})`,
    ),
  };

  const inbox: Inbox = {
    accept(inbound, sessionKey) {
      const json = JSON.stringify(inbound);
      return batch.write((): JournaledMessage | null => {
        const info = s.accept.run(inbound.channel, inbound.id, sessionKey, json, Date.now());
        return info.changes === 0 ? null : { seq: Number(info.lastInsertRowid), sessionKey, inbound };
      });
    },
    barrier: () => batch.write(() => undefined),
    unfinished: () =>
      read(() =>
        (s.unfinished.all() as Array<{ seq: number; session_key: string; inbound: string }>).map((row) => ({
          seq: row.seq,
          sessionKey: row.session_key,
          inbound: JSON.parse(row.inbound) as JournaledMessage['inbound'],
        })),
      ),
    markRunning: (seqs) =>
      batch.write(() => {
        for (const seq of seqs) s.markRunning.run(seq);
      }),
    finish: (seqs, state, at = Date.now()) =>
      batch.write(() => {
        for (const seq of seqs) s.finish.run(state, at, seq);
      }),
    cancelQueued: (seqs) =>
      batch.write(() => {
        const now = Date.now();
        for (const seq of seqs) s.cancel.run(now, seq);
      }),
  };

  const outbox: Outbox = {
    enqueue: (entries: readonly OutboxEntry[]) => {
      const wrong = checkOutboxKeys(entries);
      if (wrong) return Promise.reject(wrong);
      return batch.write(() => {
        const added: OutboxRow[] = [];
        const now = Date.now();
        for (const entry of entries) {
          const info = s.enqueue.run(
            roundSeqOf(entry.roundKey),
            entry.key,
            entry.roundKey,
            entry.turnId,
            JSON.stringify(entry.target),
            entry.replyText,
            entry.text,
            entry.part,
            entry.parts,
            entry.replyToId ?? null,
            entry.final === true ? 1 : 0,
            now,
            now,
          );
          if (info.changes === 0) continue;
          added.push({ ...entry, id: Number(info.lastInsertRowid), state: 'pending', attempts: 0, nextAttemptAt: 0 });
        }
        return added;
      });
    },
    pending: () => read(() => (s.pending.all() as OutboxRecord[]).map(rowOf)),
    markSent: (id, platformMessageId) =>
      batch.write(() => {
        s.markSent.run(platformMessageId ?? null, Date.now(), id);
      }),
    markRetry: (id, nextAttemptAt, error) =>
      batch.write(() => {
        s.markRetry.run(nextAttemptAt, error, Date.now(), id);
      }),
    markFailed: (id, reason) =>
      batch.write(() => {
        s.markFailed.run(reason, Date.now(), id);
      }),
    roundRecord: (roundKey) =>
      read(() => {
        const seen = new Set<string>();
        const record: RoundSend[] = [];
        for (const row of s.roundRecord.all(roundSeqOf(roundKey), `${roundKey}|`, `${roundKey}}`, roundKey) as Array<{ target: string; reply_text: string; final: number }>) {
          const key = `${row.target}\u0000${row.reply_text}\u0000${row.final}`;
          if (seen.has(key)) continue;
          seen.add(key);
          record.push({ target: JSON.parse(row.target) as Target, replyText: row.reply_text, final: row.final === 1 });
        }
        return record;
      }),
  };

  const history: History = {
    append: (sessionKey, entries: readonly HistoryEntry[]) =>
      batch.write(() => {
        for (const entry of entries) s.historyAppend.run(sessionKey, entry.role, entry.content, entry.name ?? null, entry.at);
      }),
    recent: (sessionKey, limit) =>
      read(() =>
        (s.historyRecent.all(sessionKey, limit) as Array<{ role: HistoryEntry['role']; content: string; name: string | null; at: number }>)
          .reverse()
          .map((row) => {
            const entry: HistoryEntry = { role: row.role, content: row.content, at: row.at };
            if (row.name !== null) entry.name = row.name;
            return entry;
          }),
      ),
    reset: (sessionKey) =>
      batch.write(() => {
        s.historyReset.run(sessionKey);
      }),
  };

  let closed = false;
  return {
    kind: 'sqlite',
    inbox,
    outbox,
    history,
    async prune(olderThanMs) {
      // In chunks, yielding between them, so pruning never holds the pipeline up for long.
      let messages = 0;
      let rows = 0;
      for (;;) {
        if (closed) break;
        batch.flush();
        const removed = s.pruneMessages.run({ cutoff: olderThanMs }).changes;
        messages += removed;
        if (removed < pruneChunk) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (;;) {
        if (closed) break;
        const removed = s.pruneOutbox.run({ cutoff: olderThanMs }).changes;
        rows += removed;
        if (removed < pruneChunk) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { messages, outbox: rows };
    },
    async close() {
      if (closed) return;
      batch.flush();
      closed = true;
      db.close();
      await checkpointer.close();
    },
  };
}
