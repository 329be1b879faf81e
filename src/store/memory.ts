import { checkOutboxKeys } from './outbox-key.js';
import type {
  History,
  HistoryEntry,
  Inbox,
  JournaledMessage,
  MessageState,
  Outbox,
  OutboxEntry,
  OutboxRow,
  RoundSend,
  Store,
} from './types.js';

interface MessageRecord extends JournaledMessage {
  state: MessageState;
}

/**
 * The store without durability: same semantics as SQLite (idempotent accept, seq order, unique
 * outbox keys), for tests and as the benchmark baseline. No per-message O(n) work, and the inbox
 * answers synchronously (no promise per call): it sits on the hot path of the pipeline benchmark.
 */
export function createMemoryStore(): Store {
  let seq = 0;
  let outboxId = 0;
  // Only unfinished messages are kept. Every accepted (channel, platform id) stays known, so a
  // redelivery is recognised until pruned: per channel, id -> 0 while open, else when it finished.
  // (Nested maps: a concatenated key would be a new string to hash on every lookup.)
  // Unfinished messages by seq: seqs are consecutive, so an array from `base` (finished slots are
  // emptied and the finished head is dropped now and then) instead of a Map to grow and hash. An
  // old message still open (a long queue, a long turn) holds the slots after it, 8 bytes each, until
  // it is finished.
  let open: Array<MessageRecord | undefined> = [];
  let base = 1;
  let head = 0;
  const recordOf = (s: number) => open[s - base];
  const known = new Map<string, Map<string, number>>();
  const outboxRows = new Map<number, OutboxRow & { updatedAt: number }>();
  const outboxKeys = new Map<string, number>();
  const histories = new Map<string, HistoryEntry[]>();

  const setState = (seqs: readonly number[], state: MessageState) => {
    const finished = state !== 'queued' && state !== 'running';
    const now = finished ? Date.now() : 0;
    for (const s of seqs) {
      const record = recordOf(s);
      if (!record) continue;
      if (finished) {
        open[s - base] = undefined;
        known.get(record.inbound.channel)!.set(record.inbound.id, now);
      } else record.state = state;
    }
    if (!finished) return;
    while (head < open.length && open[head] === undefined) head++;
    if (head > 1024 && head * 2 > open.length) {
      open = open.slice(head);
      base += head;
      head = 0;
    }
  };

  const inbox: Inbox = {
    accept(inbound, sessionKey) {
      let ids = known.get(inbound.channel);
      if (!ids) known.set(inbound.channel, (ids = new Map()));
      if (ids.has(inbound.id)) return null;
      ids.set(inbound.id, 0);
      const record: MessageRecord = { seq: ++seq, sessionKey, inbound, state: 'queued' };
      open[seq - base] = record;
      return record;
    },
    barrier() {},
    async unfinished() {
      const unfinished: JournaledMessage[] = [];
      for (let i = head; i < open.length; i++) {
        const record = open[i];
        if (record) unfinished.push({ seq: record.seq, sessionKey: record.sessionKey, inbound: record.inbound });
      }
      return unfinished;
    },
    markRunning(seqs) {
      setState(seqs, 'running');
    },
    finish(seqs, state) {
      setState(seqs, state);
    },
    cancelQueued(seqs) {
      setState(seqs, 'failed');
    },
  };

  const outbox: Outbox = {
    async enqueue(entries: readonly OutboxEntry[]) {
      const wrong = checkOutboxKeys(entries);
      if (wrong) throw wrong;
      const added: OutboxRow[] = [];
      for (const entry of entries) {
        if (outboxKeys.has(entry.key)) continue;
        const row = {
          ...entry,
          id: ++outboxId,
          state: 'pending' as const,
          attempts: 0,
          nextAttemptAt: 0,
          updatedAt: Date.now(),
        };
        outboxRows.set(row.id, row);
        outboxKeys.set(entry.key, row.id);
        const { updatedAt: _updatedAt, ...visible } = row;
        added.push(visible);
      }
      return added;
    },
    async pending() {
      const rows: OutboxRow[] = [];
      for (const { updatedAt: _updatedAt, ...row } of outboxRows.values()) if (row.state === 'pending') rows.push(row);
      return rows;
    },
    async markSent(id, platformMessageId) {
      const row = outboxRows.get(id);
      if (!row) return;
      row.state = 'sent';
      row.updatedAt = Date.now();
      if (platformMessageId !== undefined) row.platformMessageId = platformMessageId;
    },
    async markRetry(id, nextAttemptAt, error) {
      const row = outboxRows.get(id);
      if (!row) return;
      row.attempts++;
      row.nextAttemptAt = nextAttemptAt;
      row.error = error;
    },
    async markFailed(id, reason) {
      const row = outboxRows.get(id);
      if (!row) return;
      row.state = 'failed';
      row.error = reason;
      row.updatedAt = Date.now();
    },
    async roundRecord(roundKey) {
      const seen = new Set<string>();
      const record: RoundSend[] = [];
      for (const row of outboxRows.values()) {
        if (row.roundKey !== roundKey) continue;
        const final = row.final === true;
        const key = `${JSON.stringify(row.target)}\u0000${row.replyText}\u0000${final}`;
        if (seen.has(key)) continue;
        seen.add(key);
        record.push({ target: row.target, replyText: row.replyText, final });
      }
      return record;
    },
  };

  const history: History = {
    async append(sessionKey, entries) {
      let list = histories.get(sessionKey);
      if (!list) histories.set(sessionKey, (list = []));
      list.push(...entries);
    },
    async recent(sessionKey, limit) {
      // slice(-0) would be the whole list: a limit of 0 asks for none (as SQL's LIMIT 0).
      return limit <= 0 ? [] : (histories.get(sessionKey) ?? []).slice(-limit);
    },
    async reset(sessionKey) {
      histories.delete(sessionKey);
    },
  };

  return {
    kind: 'memory',
    inbox,
    outbox,
    history,
    async prune(olderThanMs) {
      let prunedMessages = 0;
      let prunedOutbox = 0;
      for (const ids of known.values()) {
        for (const [id, finishedAt] of ids) {
          if (finishedAt !== 0 && finishedAt < olderThanMs) {
            ids.delete(id);
            prunedMessages++;
          }
        }
      }
      for (const [id, row] of outboxRows) {
        if (row.state !== 'pending' && row.updatedAt < olderThanMs) {
          outboxRows.delete(id);
          outboxKeys.delete(row.key);
          prunedOutbox++;
        }
      }
      return { messages: prunedMessages, outbox: prunedOutbox };
    },
    async close() {},
  };
}
