import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type {
  AuditEntry,
  AuditLog,
  AuditQuery,
  AuditRecord,
  ChainRow,
  ChainState,
  PurgeResult,
} from './audit-store.ts';
import { AuditUnavailableError } from './audit-store.ts';
import {
  chainHash,
  chainHashOfOrdered,
  GENESIS_HASH,
  type OrderedFields,
  orderedFields,
  recordFrom,
  type StoredFields,
  storedFields,
} from './chain.ts';
import { type CommitObserver, GroupCommitQueue } from './group-commit.ts';
import { SqliteCommitThread } from './sqlite-commit-thread.ts';

const NO_UPDATE_TRIGGER = `CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;`;
const NO_DELETE_TRIGGER = `CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;`;

// Versioned migrations, applied in order at start-up; PRAGMA user_version records the last one applied.
const MIGRATIONS: readonly (string | ((db: DatabaseSync) => void))[] = [
  `CREATE TABLE audit_event (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     request_id TEXT NOT NULL,
     action TEXT NOT NULL,
     outcome TEXT NOT NULL,
     reason TEXT,
     user_id TEXT, user_name TEXT, user_role TEXT, user_org TEXT,
     user_verified INTEGER NOT NULL,
     issuer TEXT,
     nhs_number TEXT,
     sections TEXT,
     sources TEXT,
     client_address TEXT,
     user_agent TEXT
   );
   CREATE INDEX audit_event_nhs_number ON audit_event (nhs_number, at);
   CREATE TABLE launch_jti (
     issuer TEXT NOT NULL,
     jti TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (issuer, jti)
   ) WITHOUT ROWID;
   -- Audit is append-only: the product has no path that updates or deletes a record.
   ${NO_UPDATE_TRIGGER}
   ${NO_DELETE_TRIGGER}`,
  // 2: which letter was opened.
  `ALTER TABLE audit_event ADD COLUMN letter_id TEXT;`,
  // 3: hash chain (chain.ts), action detail, the chain's head and purge anchor; the chain is
  // computed for the records already there.
  (db) => {
    db.exec(`ALTER TABLE audit_event ADD COLUMN detail TEXT;
      ALTER TABLE audit_event ADD COLUMN prev_hash TEXT;
      ALTER TABLE audit_event ADD COLUMN hash TEXT;
      CREATE INDEX audit_event_user ON audit_event (user_id);
      CREATE INDEX audit_event_org ON audit_event (user_org);
      CREATE TABLE audit_chain (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        head_seq INTEGER NOT NULL,
        head_hash TEXT NOT NULL,
        anchor_seq INTEGER,
        anchor_hash TEXT
      );
      DROP TRIGGER audit_event_no_update;`);
    const update = db.prepare('UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?');
    let prev = GENESIS_HASH;
    let last = 0;
    for (const row of db.prepare('SELECT * FROM audit_event ORDER BY seq').iterate() as Iterable<Row>) {
      const hash = chainHash(row.seq, fieldsFromRow(row), prev);
      update.run(prev, hash, row.seq);
      prev = hash;
      last = row.seq;
    }
    if (last > 0) db.prepare('INSERT INTO audit_chain (id, head_seq, head_hash) VALUES (1, ?, ?)').run(last, prev);
    db.exec(NO_UPDATE_TRIGGER);
  },
];

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

export class AuditSchemaError extends Error {
  override readonly name = 'AuditSchemaError';
}

interface Row {
  seq: number;
  at: string;
  request_id: string;
  action: string;
  outcome: string;
  reason: string | null;
  user_id: string | null;
  user_name: string | null;
  user_role: string | null;
  user_org: string | null;
  user_verified: number;
  issuer: string | null;
  nhs_number: string | null;
  sections: string | null;
  sources: string | null;
  letter_id: string | null;
  client_address: string | null;
  user_agent: string | null;
  detail?: string | null;
  prev_hash?: string | null;
  hash?: string | null;
}

function fieldsFromRow(row: Row): StoredFields {
  return {
    at: row.at,
    requestId: row.request_id,
    action: row.action,
    outcome: row.outcome,
    reason: row.reason,
    userId: row.user_id,
    userName: row.user_name,
    userRole: row.user_role,
    userOrg: row.user_org,
    userVerified: row.user_verified === 1,
    issuer: row.issuer,
    nhsNumber: row.nhs_number,
    sections: row.sections,
    sources: row.sources,
    letterId: row.letter_id,
    clientAddress: row.client_address,
    userAgent: row.user_agent,
    detail: row.detail ?? null,
  };
}

function fromRow(row: Row): AuditRecord {
  return recordFrom(row.seq, fieldsFromRow(row), row.hash ?? '', row.prev_hash ?? '');
}

const INSERT = `INSERT INTO audit_event (seq, at, request_id, action, outcome, reason, user_id, user_name, user_role,
    user_org, user_verified, issuer, nhs_number, sections, sources, letter_id, client_address, user_agent, detail,
    prev_hash, hash)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export interface SqliteAuditOptions {
  /** Extra wait (ms) for company before a group commit when none is in flight; 0 (default) = none (group-commit.ts). */
  readonly groupCommitMs?: number;
  readonly maxBatch?: number;
  readonly maxPending?: number;
  /** How long a write waits for a lock held by another connection before the batch fails. */
  readonly busyTimeoutMs?: number;
  /**
   * Commit batches of several records on a worker thread (default), so the event loop is not held
   * for their fsync; false commits every batch on the event loop, on the store's own connection.
   */
  readonly commitThread?: boolean;
}

export interface Connection {
  readonly db: DatabaseSync;
  readonly insert: StatementSync;
  readonly head: StatementSync;
  readonly setHead: StatementSync;
}

/**
 * The embedded audit store: SQLite through node:sqlite, WAL with synchronous=FULL so a
 * committed record survives a power cut (https://www.sqlite.org/pragma.html#pragma_synchronous).
 * Appends are group-committed: one transaction and one fsync per batch. node:sqlite is
 * synchronous, so batches of several records are committed on a worker thread with its own
 * connection (sqlite-commit-thread.ts) and the event loop is not held for their fsync; a lone
 * record, reads, jti claims, readiness and purge use this connection.
 * After a failed batch the connection is reopened before the next one, so the store recovers by
 * itself when the file becomes writable again.
 */
export class SqliteAuditStore implements AuditLog {
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  #conn: Connection;
  #reopen = false;
  #closed = false;
  readonly #queue: GroupCommitQueue<AuditEntry, AuditRecord>;
  /** Where batches are committed for a database file; an in-memory database commits on its own connection. */
  readonly #thread: SqliteCommitThread | undefined;

  private constructor(path: string, conn: Connection, options: SqliteAuditOptions) {
    this.#path = path;
    this.#conn = conn;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 1_000;
    this.#thread =
      path === ':memory:' || options.commitThread === false
        ? undefined
        : new SqliteCommitThread(path, this.#busyTimeoutMs);
    this.#queue = new GroupCommitQueue((entries, batch) => this.#commitBatch(entries, batch.busy), {
      windowMs: options.groupCommitMs ?? 0,
      maxBatch: options.maxBatch ?? 2_000,
      maxPending: options.maxPending ?? 20_000,
    });
  }

  /** Opens (creating if needed) the database at `path` and runs pending migrations. */
  static open(path: string, options: SqliteAuditOptions = {}): SqliteAuditStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const conn = connect(path, options.busyTimeoutMs ?? 1_000, true);
    return new SqliteAuditStore(path, conn, options);
  }

  /** Parses `sqlite:<path>` from config. */
  static fromUrl(url: string, options: SqliteAuditOptions = {}): SqliteAuditStore {
    return SqliteAuditStore.open(url.replace(/^sqlite:/, ''), options);
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    // An in-memory database (tests, throwaway use) has no fsync to share: commit at once.
    if (this.#path === ':memory:') {
      try {
        return Promise.resolve(this.#commit([entry])[0] as AuditRecord);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return this.#queue.push(entry);
  }

  /** Resolves when the store is ready to commit without delay (its commit thread has started). */
  async ready(): Promise<void> {
    await this.#thread?.ready();
  }

  /** Appends waiting for their batch to commit. */
  get queueDepth(): number {
    return this.#queue.pending;
  }

  observeCommits(observer: CommitObserver): () => void {
    return this.#queue.observe(observer);
  }

  /** Committed batches and records since opening: batches ≪ records is group commit at work. */
  get commitStats(): { readonly batches: number; readonly records: number } {
    return { ...this.#queue.stats };
  }

  #connection(): Connection {
    if (this.#closed) throw new AuditUnavailableError('the audit store is closed');
    if (this.#reopen && this.#path !== ':memory:') {
      try {
        if (this.#conn.db.isOpen) this.#conn.db.close();
      } catch {
        // Closing a broken connection may fail too; the new one is what matters.
      }
      this.#conn = connect(this.#path, this.#busyTimeoutMs, false);
      this.#reopen = false;
    }
    return this.#conn;
  }

  /** The connection to write with; a failure to get one marks it for reopening. */
  #writableConnection(): Connection {
    try {
      return this.#connection();
    } catch (err) {
      this.#reopen = true;
      throw err;
    }
  }

  /** Runs `work` in one write transaction; a failure rolls back and marks the connection for reopening. */
  #transaction<R>(work: (conn: Connection) => R): R {
    const conn = this.#writableConnection();
    try {
      conn.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      this.#reopen = true;
      throw err;
    }
    return this.#finish(conn, work);
  }

  /**
   * Like #transaction, but only if the write lock is free now: undefined, with nothing written, when
   * another connection holds it — instead of waiting up to busy_timeout on the event loop.
   */
  #transactionIfUnlocked<R>(work: (conn: Connection) => R): R | undefined {
    const conn = this.#writableConnection();
    try {
      conn.db.exec('PRAGMA busy_timeout = 0');
      try {
        conn.db.exec('BEGIN IMMEDIATE');
      } finally {
        conn.db.exec(`PRAGMA busy_timeout = ${Math.trunc(this.#busyTimeoutMs)}`);
      }
    } catch (err) {
      if (conn.db.isTransaction) return this.#finish(conn, work); // only restoring busy_timeout failed
      if (isBusy(err)) return undefined;
      this.#reopen = true;
      throw err;
    }
    return this.#finish(conn, work);
  }

  /** Runs `work` in the transaction just begun and commits; a failure rolls back and marks the connection for reopening. */
  #finish<R>(conn: Connection, work: (conn: Connection) => R): R {
    try {
      const result = work(conn);
      conn.db.exec('COMMIT');
      return result;
    } catch (err) {
      try {
        if (conn.db.isTransaction) conn.db.exec('ROLLBACK');
      } catch {
        // The connection is reopened before the next write anyway.
      }
      this.#reopen = true;
      throw err;
    }
  }

  #commit(entries: readonly AuditEntry[]): AuditRecord[] {
    return this.#transaction((conn) => appendAll(conn, entries));
  }

  /**
   * A lone record while the store is idle (a leader's batch of one) is committed right here if the
   * write lock is free, which spares it two hand-offs between threads; a batch of several, any batch
   * of followers (the store is busy: the loop has answers to send), or a lone record meeting another
   * writer's lock goes to the commit thread, so the requests behind it are held up neither by its
   * fsync nor by the wait for the lock. Either way one batch at a time, each in its own transaction
   * that reads the chain head under the write lock.
   */
  #commitBatch(entries: readonly AuditEntry[], busy: boolean): AuditRecord[] | Promise<AuditRecord[]> {
    if (!this.#thread) return this.#commit(entries);
    if (entries.length === 1 && !busy) {
      // Only while the lock is free: held by another writer, the wait is the commit thread's, not the loop's.
      const records = this.#transactionIfUnlocked((conn) => appendAll(conn, entries));
      if (records) return records;
    }
    return this.#commitOnThread(entries);
  }

  /** One batch, committed and fsynced on the commit thread while the event loop goes on. */
  async #commitOnThread(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const thread = this.#thread;
    if (this.#closed || !thread) throw new AuditUnavailableError('the audit store is closed');
    const chain = await thread.commit(entries.map((entry) => orderedFields(storedFields(entry))));
    return entries.map((entry, i) => ({ ...entry, ...(chain[i] as ChainLink) }));
  }

  claimJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    try {
      const { db } = this.#connection();
      db.prepare('DELETE FROM launch_jti WHERE expires_at < ?').run(now.getTime());
      const result = db
        .prepare('INSERT INTO launch_jti (issuer, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(issuer, jti, expiresAt.getTime());
      return Promise.resolve(Number(result.changes) === 1);
    } catch (err) {
      this.#reopen = true;
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  recent(limit: number): Promise<AuditRecord[]> {
    try {
      const rows = this.#connection()
        .db.prepare('SELECT * FROM audit_event ORDER BY seq DESC LIMIT ?')
        .all(limit) as unknown as Row[];
      return Promise.resolve(rows.map(fromRow));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  query(q: AuditQuery): Promise<AuditRecord[]> {
    try {
      const where: string[] = ['seq > ?'];
      const args: SQLInputValue[] = [q.afterSeq ?? 0];
      const add = (sql: string, value: SQLInputValue | undefined) => {
        if (value === undefined) return;
        where.push(sql);
        args.push(value);
      };
      add('nhs_number = ?', q.nhsNumber);
      add('user_id = ?', q.userId);
      add('user_org = ?', q.org);
      add('action = ?', q.action);
      add('outcome = ?', q.outcome);
      add('at >= ?', q.from?.toISOString());
      add('at < ?', q.to?.toISOString());
      args.push(q.limit);
      const rows = this.#connection()
        .db.prepare(`SELECT * FROM audit_event WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
        .all(...args) as unknown as Row[];
      return Promise.resolve(rows.map(fromRow));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  chainRows(afterSeq: number, limit: number): Promise<ChainRow[]> {
    try {
      const rows = this.#connection()
        .db.prepare('SELECT * FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?')
        .all(afterSeq, limit) as unknown as Row[];
      return Promise.resolve(
        rows.map((row) => ({
          seq: row.seq,
          hash: row.hash ?? '',
          prevHash: row.prev_hash ?? '',
          fields: fieldsFromRow(row),
        })),
      );
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  chainState(): Promise<ChainState> {
    try {
      const row = this.#connection().db.prepare('SELECT * FROM audit_chain WHERE id = 1').get() as
        { head_seq: number; head_hash: string; anchor_seq: number | null; anchor_hash: string | null } | undefined;
      if (!row) return Promise.resolve({});
      return Promise.resolve({
        head: { seq: row.head_seq, hash: row.head_hash },
        ...(row.anchor_seq !== null && row.anchor_hash !== null
          ? { anchor: { seq: row.anchor_seq, hash: row.anchor_hash } }
          : {}),
      });
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async purge(before: Date, entry: Omit<AuditEntry, 'action' | 'detail'>): Promise<PurgeResult> {
    await this.#queue.flush();
    return this.#transaction((conn) => {
      const { db } = conn;
      const last = db
        .prepare('SELECT seq, hash FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event WHERE at < ?)')
        .get(before.toISOString()) as { seq: number; hash: string } | undefined;
      let purged = 0;
      if (last) {
        // The one sanctioned delete: the trigger is lifted inside this transaction only.
        db.exec('DROP TRIGGER audit_event_no_delete');
        purged = Number(db.prepare('DELETE FROM audit_event WHERE seq <= ?').run(last.seq).changes);
        db.exec(NO_DELETE_TRIGGER);
        db.prepare('UPDATE audit_chain SET anchor_seq = ?, anchor_hash = ? WHERE id = 1').run(last.seq, last.hash);
      }
      const [record] = appendAll(conn, [
        {
          ...entry,
          action: 'audit-purge',
          detail: { before: before.toISOString(), purged, ...(last ? { throughSeq: last.seq } : {}) },
        },
      ]);
      return { purged, ...(last ? { throughSeq: last.seq } : {}), record: record as AuditRecord };
    });
  }

  /** The durability settings in force on the store's own connection. */
  durability(): { journalMode: string; synchronous: number } {
    const { db } = this.#connection();
    const journal = db.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
    const sync = db.prepare('PRAGMA synchronous').get() as { synchronous: number };
    return { journalMode: journal.journal_mode, synchronous: sync.synchronous };
  }

  ping(): Promise<void> {
    try {
      // A write transaction proves the file is writable without leaving anything behind.
      this.#transaction(() => undefined);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue.close();
    this.#closed = true;
    await this.#thread?.close();
    if (this.#conn.db.isOpen) {
      try {
        // Leave a tidy file behind: the WAL folded into the database.
        this.#conn.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      } catch {
        // Not essential; the WAL is replayed on the next open.
      }
      this.#conn.db.close();
    }
  }
}

export function connect(path: string, busyTimeoutMs: number, runMigrations: boolean): Connection {
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    db.exec('PRAGMA foreign_keys = ON');
    if (runMigrations) migrate(db);
    return {
      db,
      insert: db.prepare(INSERT),
      head: db.prepare('SELECT head_seq, head_hash FROM audit_chain WHERE id = 1'),
      setHead: db.prepare(
        `INSERT INTO audit_chain (id, head_seq, head_hash) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET head_seq = excluded.head_seq, head_hash = excluded.head_hash`,
      ),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Inside a write transaction: numbers, chains and inserts the entries, then moves the head. */
export function appendAll(conn: Connection, entries: readonly AuditEntry[]): AuditRecord[] {
  const chain = appendOrdered(
    conn,
    entries.map((entry) => orderedFields(storedFields(entry))),
  );
  return entries.map((entry, i) => ({ ...entry, ...(chain[i] as ChainLink) }));
}

/** Where a record sits in the chain. */
export interface ChainLink {
  readonly seq: number;
  readonly hash: string;
  readonly prevHash: string;
}

/**
 * appendAll for records already in their stored, ordered form (orderedFields): what the commit
 * thread receives, flat arrays of strings being far cheaper to pass between threads than entries.
 */
export function appendOrdered(conn: Connection, rows: readonly OrderedFields[]): ChainLink[] {
  const head = conn.head.get() as { head_seq: number; head_hash: string } | undefined;
  let seq = head?.head_seq ?? 0;
  let prev = head?.head_hash ?? GENESIS_HASH;
  const links: ChainLink[] = [];
  for (const row of rows) {
    seq++;
    const hash = chainHashOfOrdered(seq, row, prev);
    // SQLite has no boolean type: user_verified is stored as 0/1.
    conn.insert.run(seq, ...row.map((v) => (typeof v === 'boolean' ? Number(v) : v)), prev, hash);
    links.push({ seq, hash, prevHash: prev });
    prev = hash;
  }
  conn.setHead.run(seq, prev);
  return links;
}

/** SQLITE_BUSY (5), also as an extended result code: another connection holds the lock. */
function isBusy(err: unknown): boolean {
  const code = (err as { errcode?: unknown }).errcode;
  return typeof code === 'number' && (code & 0xff) === 5;
}

function migrate(db: DatabaseSync): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  const current = row.user_version;
  if (current > MIGRATIONS.length) {
    throw new AuditSchemaError(
      `audit database schema version ${current} is newer than this release understands (${MIGRATIONS.length}); upgrade care-sidebar`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      const step = MIGRATIONS[version] as string | ((db: DatabaseSync) => void);
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}
