import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from './audit-store.ts';
import { verifyChain } from './chain.ts';
import { AuditSchemaError, SQLITE_SCHEMA_VERSION, SqliteAuditStore } from './sqlite-audit-store.ts';

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date('2026-11-25T10:00:00Z'),
  requestId: 'req-1',
  action: 'summary-view',
  outcome: 'shown',
  user: { id: 'u1', name: 'Dr Ada Testwell', role: 'R8000', org: 'Y12345' },
  userVerified: true,
  nhsNumber: '9990000018',
  sections: { flags: 1, results: 2, letters: 0 },
  sources: [{ id: 'hospital-a', status: 'ok' }],
  ...over,
});

/** The schema as release 1 created it (migration 1), to test upgrades of real old files. */
const V1_SCHEMA = `CREATE TABLE audit_event (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, request_id TEXT NOT NULL, action TEXT NOT NULL,
     outcome TEXT NOT NULL, reason TEXT, user_id TEXT, user_name TEXT, user_role TEXT, user_org TEXT,
     user_verified INTEGER NOT NULL, issuer TEXT, nhs_number TEXT, sections TEXT, sources TEXT,
     client_address TEXT, user_agent TEXT);
   CREATE INDEX audit_event_nhs_number ON audit_event (nhs_number, at);
   CREATE TABLE launch_jti (issuer TEXT NOT NULL, jti TEXT NOT NULL, expires_at INTEGER NOT NULL,
     PRIMARY KEY (issuer, jti)) WITHOUT ROWID;
   CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
   CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;`;

function insertLegacy(db: DatabaseSync, requestId: string, withLetter: boolean): void {
  db.prepare(
    `INSERT INTO audit_event (at, request_id, action, outcome, user_id, user_name, user_role, user_org, user_verified,
       nhs_number, sections, sources${withLetter ? ', letter_id' : ''})
     VALUES ('2026-11-25T10:00:00.000Z', ?, 'summary-view', 'shown', 'u1', 'Dr Ada Testwell', 'R8000', 'Y12345', 1,
       '9990000018', '{"flags":1}', '[{"id":"hospital-a","status":"ok"}]'${withLetter ? ', NULL' : ''})`,
  ).run(requestId);
}

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'care-sidebar-audit-')), 'nested', 'audit.db');
}

/** A database file in an existing directory, for tests that write it before the store opens it. */
function legacyDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'care-sidebar-audit-')), 'audit.db');
}

describe('SqliteAuditStore', () => {
  it('HAZ-002: opens in WAL mode with synchronous=FULL', () => {
    const store = SqliteAuditStore.open(tempDb());
    // synchronous 2 is FULL (https://www.sqlite.org/pragma.html#pragma_synchronous).
    expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 2 });
    void store.close();
  });

  it('appends records with increasing sequence numbers and reads them back newest first', async () => {
    const store = SqliteAuditStore.open(':memory:');
    const a = await store.append(entry({ requestId: 'r1' }));
    const b = await store.append(
      entry({ requestId: 'r2', outcome: 'refused', reason: 'launch-expired', userVerified: false }),
    );
    expect(b.seq).toBeGreaterThan(a.seq);
    const [latest, earlier] = await store.recent(2);
    expect(latest).toMatchObject({
      requestId: 'r2',
      outcome: 'refused',
      reason: 'launch-expired',
      userVerified: false,
    });
    expect(earlier).toEqual({ ...entry({ requestId: 'r1' }), seq: a.seq, hash: a.hash, prevHash: a.prevHash });
  });

  it('keeps records across reopening the file (committed, not buffered)', async () => {
    const path = tempDb();
    const store = SqliteAuditStore.open(path);
    await store.append(entry());
    await store.close();
    const reopened = SqliteAuditStore.open(path);
    expect(await reopened.recent(10)).toHaveLength(1);
    await reopened.close();
  });

  it('HAZ-002: is append-only: updates and deletes are refused by the database', async () => {
    const path = tempDb();
    const store = SqliteAuditStore.open(path);
    await store.append(entry());
    const db = new DatabaseSync(path);
    expect(() => db.exec("UPDATE audit_event SET nhs_number = '9990000026'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit_event')).toThrow(/append-only/);
    db.close();
    void store.close();
  });

  it('claims a jti once per issuer, and forgets it after expiry', async () => {
    const store = SqliteAuditStore.open(':memory:');
    const now = new Date('2026-11-25T10:00:00Z');
    const exp = new Date(now.getTime() + 120_000);
    expect(await store.claimJti('https://a', 'j1', exp, now)).toBe(true);
    expect(await store.claimJti('https://a', 'j1', exp, now)).toBe(false);
    expect(await store.claimJti('https://b', 'j1', exp, now)).toBe(true);
    const later = new Date(exp.getTime() + 1000);
    expect(await store.claimJti('https://a', 'j1', new Date(later.getTime() + 120_000), later)).toBe(true);
  });

  it('remembers used jtis across a restart', async () => {
    const path = tempDb();
    const now = new Date();
    const store = SqliteAuditStore.open(path);
    await store.claimJti('https://a', 'j1', new Date(now.getTime() + 60_000), now);
    await store.close();
    const reopened = SqliteAuditStore.open(path);
    expect(await reopened.claimJti('https://a', 'j1', new Date(now.getTime() + 60_000), now)).toBe(false);
    await reopened.close();
  });

  it('migrates a version-1 database forward, keeping its records and chaining them', async () => {
    const path = legacyDb();
    const db = new DatabaseSync(path);
    db.exec(`${V1_SCHEMA} PRAGMA user_version = 1;`);
    insertLegacy(db, 'before-upgrade', false);
    db.close();
    const upgraded = SqliteAuditStore.open(path);
    await upgraded.append(entry({ requestId: 'after-upgrade', action: 'letter-open', letterId: 'hospital-a:doc-1' }));
    const [after, before] = await upgraded.recent(2);
    expect(before?.requestId).toBe('before-upgrade');
    expect(after).toMatchObject({ requestId: 'after-upgrade', letterId: 'hospital-a:doc-1', prevHash: before?.hash });
    expect(await verifyChain(upgraded)).toEqual({ ok: true, records: 2, from: 1, to: 2 });
    await upgraded.close();
  });

  it('migrates an existing version-2 database: computes the hash chain over the records already there', async () => {
    const path = legacyDb();
    const db = new DatabaseSync(path);
    db.exec(`${V1_SCHEMA} ALTER TABLE audit_event ADD COLUMN letter_id TEXT; PRAGMA user_version = 2;`);
    for (const id of ['old-1', 'old-2', 'old-3']) insertLegacy(db, id, true);
    db.close();
    const store = SqliteAuditStore.open(path);
    const check = new DatabaseSync(path, { readOnly: true });
    expect((check.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(
      SQLITE_SCHEMA_VERSION,
    );
    check.close();
    expect(await verifyChain(store)).toEqual({ ok: true, records: 3, from: 1, to: 3 });
    const next = await store.append(entry({ requestId: 'new' }));
    expect(next.seq).toBe(4);
    expect(await verifyChain(store)).toMatchObject({ ok: true, records: 4 });
    // Still append-only after the migration lifted the rule to write the hashes.
    const raw = new DatabaseSync(path);
    expect(() => raw.exec("UPDATE audit_event SET outcome = 'shown'")).toThrow(/append-only/);
    raw.close();
    await store.close();
  });

  it('refuses to start on a schema newer than it knows', () => {
    const path = tempDb();
    void SqliteAuditStore.open(path).close();
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 99');
    db.close();
    expect(() => SqliteAuditStore.open(path)).toThrow(AuditSchemaError);
    expect(() => SqliteAuditStore.open(path)).toThrow(/schema version 99 is newer/);
  });

  it('commits off the event loop: while a batch waits for the write lock, timers still run; then it commits', async () => {
    const path = tempDb();
    const store = SqliteAuditStore.open(path, { busyTimeoutMs: 5_000 });
    await store.ready();
    await store.append(entry({ requestId: 'before' }));
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE'); // another writer holds the lock
    let settled = false;
    const waiting = store.append(entry({ requestId: 'while-locked' })).finally(() => (settled = true));
    // A commit on the event loop would block it here, busy-waiting for the lock that only this loop can release.
    const timerRan = await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 100));
    expect(timerRan).toBe(true);
    expect(settled).toBe(false);
    other.exec('COMMIT');
    other.close();
    expect(await waiting).toMatchObject({ requestId: 'while-locked', seq: 2 });
    expect((await store.recent(1))[0]?.requestId).toBe('while-locked');
    expect(await verifyChain(store)).toMatchObject({ ok: true, records: 2 });
    await store.close();
  });

  it('a batch that fails on the commit thread rejects its appends; the next one commits', async () => {
    const path = tempDb();
    const store = SqliteAuditStore.open(path, { busyTimeoutMs: 50 });
    await store.append(entry({ requestId: 'first' }));
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    await expect(store.append(entry({ requestId: 'refused' }))).rejects.toThrow(/locked|busy/i);
    other.exec('ROLLBACK');
    other.close();
    expect(await store.append(entry({ requestId: 'after' }))).toMatchObject({ seq: 2 });
    expect((await store.query({ limit: 10 })).map((r) => r.requestId)).toEqual(['first', 'after']);
    await store.close();
  });

  it('rejects the append when the database cannot be written, and ping says so', async () => {
    const store = SqliteAuditStore.open(':memory:');
    await store.close();
    await expect(store.append(entry())).rejects.toThrow();
    await expect(store.ping()).rejects.toThrow();
  });
});
