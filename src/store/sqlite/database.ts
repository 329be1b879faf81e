import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../core/errors.js';
import { roundSeqOf } from '../round-seq.js';

/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
export const migrations: readonly string[] = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     channel TEXT NOT NULL,
     platform_id TEXT NOT NULL,
     session_key TEXT NOT NULL,
     state TEXT NOT NULL,
     inbound TEXT NOT NULL,
     accepted_at INTEGER NOT NULL,
     finished_at INTEGER,
     UNIQUE (channel, platform_id)
   );
   CREATE INDEX messages_open ON messages (seq) WHERE state IN ('queued', 'running');
   CREATE INDEX messages_finished ON messages (finished_at) WHERE finished_at IS NOT NULL;
   CREATE TABLE outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     key TEXT NOT NULL UNIQUE,
     round_key TEXT NOT NULL,
     turn_id TEXT NOT NULL,
     target TEXT NOT NULL,
     reply_text TEXT NOT NULL,
     text TEXT NOT NULL,
     part INTEGER NOT NULL,
     parts INTEGER NOT NULL,
     reply_to_id TEXT,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     platform_message_id TEXT,
     error TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX outbox_round ON outbox (round_key);
   CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
   CREATE INDEX outbox_done ON outbox (updated_at) WHERE state <> 'pending';
   CREATE TABLE history (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     session_key TEXT NOT NULL,
     role TEXT NOT NULL,
     content TEXT NOT NULL,
     name TEXT,
     at INTEGER NOT NULL
   );
   CREATE INDEX history_session ON history (session_key, id);`,
  // Fewer indexes to maintain on every message: a round's rows are found by the prefix of their
  // unique key (`<roundKey>|...`), and pruning walks the oldest rows in id order (ids grow with time).
  `DROP INDEX messages_finished;
   DROP INDEX outbox_done;
   DROP INDEX outbox_round;`,
  // Whether a row is part of a final answer: a replayed round does not answer a target twice.
  `ALTER TABLE outbox ADD COLUMN final INTEGER NOT NULL DEFAULT 0;`,
  // Outbox keys unique per round seq (see roundSeqOf): a commit's new keys sit together in the
  // index instead of across it. The table is rebuilt (SQLite cannot drop a UNIQUE); ids and the id
  // sequence are kept, since a row's id is its sends' idempotency key.
  `CREATE TABLE outbox_v4 (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     round_seq INTEGER NOT NULL,
     key TEXT NOT NULL,
     round_key TEXT NOT NULL,
     turn_id TEXT NOT NULL,
     target TEXT NOT NULL,
     reply_text TEXT NOT NULL,
     text TEXT NOT NULL,
     part INTEGER NOT NULL,
     parts INTEGER NOT NULL,
     reply_to_id TEXT,
     final INTEGER NOT NULL DEFAULT 0,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     platform_message_id TEXT,
     error TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     UNIQUE (round_seq, key)
   );
   INSERT INTO outbox_v4 (id, round_seq, key, round_key, turn_id, target, reply_text, text, part, parts, reply_to_id,
       final, state, attempts, next_attempt_at, platform_message_id, error, created_at, updated_at)
     SELECT id, switchboard_round_seq(round_key), key, round_key, turn_id, target, reply_text, text, part, parts,
       reply_to_id, final, state, attempts, next_attempt_at, platform_message_id, error, created_at, updated_at
     FROM outbox;
   DELETE FROM sqlite_sequence WHERE name = 'outbox_v4';
   INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_v4', seq FROM sqlite_sequence WHERE name = 'outbox';
   DROP TABLE outbox;
   ALTER TABLE outbox_v4 RENAME TO outbox;
   CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';`,
];

/** How long opening waits for another process's lock before calling the file locked. */
const openBusyMs = 1000;
/** Busy timeout once open (a checkpoint by another reader, say). */
const busyMs = 5000;

/**
 * Opens (creating if needed) the SQLite file: WAL, synchronous NORMAL (a commit survives a crash of
 * the process; an OS crash may lose the last commits), migrations in one IMMEDIATE transaction. A
 * file that is not a database, unreadable, or locked by another process is a `ConfigError` naming it.
 */
export function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: openBusyMs });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.function('switchboard_round_seq', { deterministic: true }, (roundKey) => roundSeqOf(String(roundKey)));
    const migrate = db.transaction(() => {
      const version = db!.pragma('user_version', { simple: true }) as number;
      if (version > migrations.length) {
        throw new Error(`schema version ${version} is newer than this switchboard knows (${migrations.length})`);
      }
      for (let i = version; i < migrations.length; i++) db!.exec(migrations[i]!);
      db!.pragma(`user_version = ${migrations.length}`);
    });
    migrate.immediate();
    db.pragma(`busy_timeout = ${busyMs}`);
    return db;
  } catch (error) {
    db?.close();
    const code = (error as { code?: string }).code;
    const reason =
      code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
        ? 'the database is locked by another process (is another switchboard running on it?)'
        : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
          ? 'the file is not a SQLite database or is corrupt'
          : (error as Error).message;
    throw new ConfigError(`store.path: cannot open SQLite database "${path}": ${reason}`, {
      key: 'store.path',
      file: path,
      cause: error,
    });
  }
}
