import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from './audit-store.ts';
import { AuditSchemaError, SqliteAuditStore } from './sqlite-audit-store.ts';

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

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'care-sidebar-audit-')), 'nested', 'audit.db');
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
    expect(earlier).toEqual({ ...entry({ requestId: 'r1' }), seq: a.seq });
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

  it('HAZ-002: is append-only: updates and deletes are refused by the database', () => {
    const path = tempDb();
    const store = SqliteAuditStore.open(path);
    void store.append(entry());
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

  it('migrates a version-1 database forward, keeping its records', async () => {
    const path = tempDb();
    const v2 = SqliteAuditStore.open(path);
    await v2.append(entry({ requestId: 'before-upgrade' }));
    await v2.close();
    // Turn it back into a version-1 database: no letter_id column.
    const db = new DatabaseSync(path);
    db.exec('ALTER TABLE audit_event DROP COLUMN letter_id; PRAGMA user_version = 1;');
    db.close();
    const upgraded = SqliteAuditStore.open(path);
    await upgraded.append(entry({ requestId: 'after-upgrade', action: 'letter-open', letterId: 'hospital-a:doc-1' }));
    const [after, before] = await upgraded.recent(2);
    expect(before?.requestId).toBe('before-upgrade');
    expect(after).toMatchObject({ requestId: 'after-upgrade', letterId: 'hospital-a:doc-1' });
    await upgraded.close();
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

  it('rejects the append when the database cannot be written, and ping says so', async () => {
    const store = SqliteAuditStore.open(':memory:');
    await store.close();
    await expect(store.append(entry())).rejects.toThrow();
    await expect(store.ping()).rejects.toThrow();
  });
});
