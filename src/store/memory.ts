import { KnownIds } from './known-ids.js';
import { OpenMessages } from './open-messages.js';
import { checkOutboxKeys } from './outbox-key.js';
import type {
  History,
  HistoryEntry,
  Inbox,
  JournaledMessage,
  Outbox,
  OutboxEntry,
  OutboxRow,
  RoundSend,
  Store,
} from './types.js';

/**
 * The store without durability: same semantics as SQLite (idempotent accept, seq order, unique
 * outbox keys), for tests and as the benchmark baseline. No per-message O(n) work, and the inbox
 * answers synchronously (no promise per call): it sits on the hot path of the pipeline benchmark.
 */
export function createMemoryStore(): Store {
  let seq = 0;
  let outboxId = 0;
  const open = new OpenMessages();
  // Every accepted (channel, platform id) stays known until pruned, so a redelivery is recognised:
  // per channel, the generation each id was last written in. A generation ends at each prune, which
  // seals it with the time of its last finish or redelivery (`sealedAt`), moves the ids of open
  // messages to the new generation, then forgets the ids of generations sealed before the cutoff.
  // An open message's id is thus always in the current generation, and a finished one's in the
  // generation current when it finished (or was last redelivered): finishing writes nothing here,
  // and an id is kept at least until its message finished before the cutoff, never less. (A table
  // per channel: a concatenated key would be a new string to hash on every lookup; the last
  // channel's table is kept at hand.)
  const known = new Map<string, KnownIds>();
  let lastChannel: string | undefined;
  let lastIds: KnownIds | undefined;
  let generation = 0;
  /** Time of the last finish or redelivery in the current generation. */
  let latest = 0;
  const sealedAt: number[] = [];
  const idsOf = (channel: string): KnownIds => {
    if (channel === lastChannel) return lastIds!;
    let ids = known.get(channel);
    if (!ids) known.set(channel, (ids = new KnownIds()));
    lastChannel = channel;
    lastIds = ids;
    return ids;
  };
  const outboxRows = new Map<number, OutboxRow & { updatedAt: number }>();
  const outboxKeys = new Map<string, number>();
  const histories = new Map<string, HistoryEntry[]>();

  // Queued and running are not told apart (both are unfinished, replayed alike): a turn's start
  // writes nothing.
  const finish = (seqs: readonly number[], _state?: unknown, at = Date.now()) => {
    for (const s of seqs) open.remove(s);
    latest = at;
  };

  /** Ends the current generation; returns how many finished ids were forgotten. */
  const pruneKnown = (olderThanMs: number): number => {
    sealedAt[generation++] = latest;
    latest = 0;
    for (const record of open.values()) idsOf(record.inbound.channel).add(record.inbound.id, generation);
    const sealedBeforeCutoff = (written: number) => written !== generation && sealedAt[written]! < olderThanMs;
    let pruned = 0;
    for (const ids of known.values()) pruned += ids.forgetWhere(sealedBeforeCutoff);
    return pruned;
  };

  const inbox: Inbox = {
    accept(inbound, sessionKey) {
      if (!idsOf(inbound.channel).add(inbound.id, generation)) {
        latest = Date.now();
        return null;
      }
      const record: JournaledMessage = { seq: ++seq, sessionKey, inbound };
      open.add(record);
      return record;
    },
    barrier() {},
    async unfinished() {
      const unfinished: JournaledMessage[] = [];
      for (const record of open.values()) unfinished.push({ seq: record.seq, sessionKey: record.sessionKey, inbound: record.inbound });
      return unfinished;
    },
    markRunning() {},
    finish,
    cancelQueued: finish,
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
      const prunedMessages = pruneKnown(olderThanMs);
      let prunedOutbox = 0;
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
