import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { AuditEntry, AuditRecord, AuditStore } from './audit-store.ts';

// Versioned migrations, applied in order at start-up; PRAGMA user_version records the last one applied.
const MIGRATIONS: readonly string[] = [
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
   CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
   CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;`,
  // 2: which letter was opened.
  `ALTER TABLE audit_event ADD COLUMN letter_id TEXT;`,
];

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
}

function fromRow(row: Row): AuditRecord {
  const user = {
    ...(row.user_id !== null ? { id: row.user_id } : {}),
    ...(row.user_name !== null ? { name: row.user_name } : {}),
    ...(row.user_role !== null ? { role: row.user_role } : {}),
    ...(row.user_org !== null ? { org: row.user_org } : {}),
  };
  return {
    seq: row.seq,
    at: new Date(row.at),
    requestId: row.request_id,
    action: row.action as AuditRecord['action'],
    outcome: row.outcome as AuditRecord['outcome'],
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(Object.keys(user).length ? { user } : {}),
    userVerified: row.user_verified === 1,
    ...(row.issuer !== null ? { issuer: row.issuer } : {}),
    ...(row.nhs_number !== null ? { nhsNumber: row.nhs_number } : {}),
    ...(row.sections !== null ? { sections: JSON.parse(row.sections) as Record<string, number> } : {}),
    ...(row.letter_id !== null ? { letterId: row.letter_id } : {}),
    ...(row.sources !== null ? { sources: JSON.parse(row.sources) as { id: string; status: string }[] } : {}),
    ...(row.client_address !== null ? { clientAddress: row.client_address } : {}),
    ...(row.user_agent !== null ? { userAgent: row.user_agent } : {}),
  };
}

/**
 * The embedded audit store: SQLite through node:sqlite, WAL with synchronous=FULL so a
 * committed record survives a power cut (https://www.sqlite.org/pragma.html#pragma_synchronous).
 */
export class SqliteAuditStore implements AuditStore {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Opens (creating if needed) the database at `path` and runs pending migrations. */
  static open(path: string): SqliteAuditStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    try {
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec('PRAGMA foreign_keys = ON');
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteAuditStore(db);
  }

  /** Parses `sqlite:<path>` from config. */
  static fromUrl(url: string): SqliteAuditStore {
    return SqliteAuditStore.open(url.replace(/^sqlite:/, ''));
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    try {
      const result = this.#db
        .prepare(
          `INSERT INTO audit_event (at, request_id, action, outcome, reason, user_id, user_name, user_role, user_org,
             user_verified, issuer, nhs_number, sections, sources, letter_id, client_address, user_agent)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          entry.at.toISOString(),
          entry.requestId,
          entry.action,
          entry.outcome,
          entry.reason ?? null,
          entry.user?.id ?? null,
          entry.user?.name ?? null,
          entry.user?.role ?? null,
          entry.user?.org ?? null,
          entry.userVerified ? 1 : 0,
          entry.issuer ?? null,
          entry.nhsNumber ?? null,
          entry.sections ? JSON.stringify(entry.sections) : null,
          entry.sources ? JSON.stringify(entry.sources) : null,
          entry.letterId ?? null,
          entry.clientAddress ?? null,
          entry.userAgent ?? null,
        );
      return Promise.resolve({ ...entry, seq: Number(result.lastInsertRowid) });
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  claimJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    try {
      this.#db.prepare('DELETE FROM launch_jti WHERE expires_at < ?').run(now.getTime());
      const result = this.#db
        .prepare('INSERT INTO launch_jti (issuer, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(issuer, jti, expiresAt.getTime());
      return Promise.resolve(Number(result.changes) === 1);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  recent(limit: number): Promise<AuditRecord[]> {
    const rows = this.#db.prepare('SELECT * FROM audit_event ORDER BY seq DESC LIMIT ?').all(limit) as unknown as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  /** The durability settings in force on the store's own connection. */
  durability(): { journalMode: string; synchronous: number } {
    const journal = this.#db.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
    const sync = this.#db.prepare('PRAGMA synchronous').get() as { synchronous: number };
    return { journalMode: journal.journal_mode, synchronous: sync.synchronous };
  }

  ping(): Promise<void> {
    try {
      // A write transaction proves the file is writable without leaving anything behind.
      this.#db.exec('BEGIN IMMEDIATE; ROLLBACK;');
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
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
      db.exec(MIGRATIONS[version] as string);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}
