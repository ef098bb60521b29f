/**
 * One conformance suite, run against both audit stores: SQLite (a fresh file) and PostgreSQL (the
 * machine's server, a fresh schema per run, dropped after). Tamper cases act as an attacker with
 * database access: straight SQL, triggers bypassed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditLog } from './audit-store.ts';
import { chainHash, GENESIS_HASH, verifyChain } from './chain.ts';
import { PostgresAuditStore } from './postgres-audit-store.ts';
import {
  createTestSchema,
  loudWarning,
  postgresAbsencePolicy,
  probePostgres,
  type TestSchema,
} from './postgres-test-schema.ts';
import { AuditSchemaError, SqliteAuditStore } from './sqlite-audit-store.ts';

const USER = { id: 'u1', name: 'Dr Ada Testwell', role: 'R8000', org: 'Y12345' };
const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date('2026-11-25T10:00:00.000Z'),
  requestId: crypto.randomUUID(),
  action: 'summary-view',
  outcome: 'shown',
  user: USER,
  userVerified: true,
  issuer: 'https://gp-host.test',
  nhsNumber: '9990000018',
  sections: { flags: 1, results: 2, letters: 0 },
  sources: [{ id: 'hospital-a', status: 'ok' }],
  clientAddress: '127.0.0.1',
  userAgent: 'vitest',
  ...over,
});

/** What each store kind gives the suite. */
interface Harness {
  /** Another store on the same database (another instance). */
  open(): Promise<AuditLog>;
  /** SQL run as an attacker with database access, append-only triggers bypassed. */
  tamper(sql: string): Promise<void>;
  /** SQL run directly, triggers in force. */
  raw(sql: string): Promise<void>;
  /** Sets the stored schema version. */
  setSchemaVersion(version: number): Promise<void>;
  cleanup(): Promise<void>;
}

function sqliteHarness(): Harness {
  const path = join(mkdtempSync(join(tmpdir(), 'care-sidebar-conformance-')), 'audit.db');
  const stores: AuditLog[] = [];
  const direct = (sql: string) => {
    const db = new DatabaseSync(path);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- a throw must become a rejection
    open: async () => {
      const store = SqliteAuditStore.open(path);
      stores.push(store);
      return store;
    },
    // eslint-disable-next-line @typescript-eslint/require-await
    tamper: async (sql) =>
      direct(`DROP TRIGGER IF EXISTS audit_event_no_update; DROP TRIGGER IF EXISTS audit_event_no_delete; ${sql};`),
    // eslint-disable-next-line @typescript-eslint/require-await
    raw: async (sql) => direct(sql),
    // eslint-disable-next-line @typescript-eslint/require-await
    setSchemaVersion: async (v) => direct(`PRAGMA user_version = ${v}`),
    cleanup: async () => {
      for (const s of stores) await s.close();
    },
  };
}

function postgresHarness(schema: TestSchema): Harness {
  const stores: AuditLog[] = [];
  return {
    open: async () => {
      const store = await PostgresAuditStore.open({ url: schema.url, applicationName: schema.schema });
      stores.push(store);
      return store;
    },
    // session_replication_role = replica: ordinary triggers do not fire (needs superuser, as an attacker with DB access has).
    tamper: async (sql) => {
      await schema.admin.query(
        `SET session_replication_role = replica; ${sql}; SET session_replication_role = DEFAULT`,
      );
    },
    raw: async (sql) => {
      await schema.admin.query(sql);
    },
    setSchemaVersion: async (v) => {
      await schema.admin.query(`UPDATE audit_schema SET version = ${v}`);
    },
    cleanup: async () => {
      for (const s of stores) await s.close().catch(() => undefined);
      await schema.drop();
    },
  };
}

function conformance(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`${name} audit store (conformance)`, () => {
    const harnesses: Harness[] = [];
    const fresh = async () => {
      const h = await makeHarness();
      harnesses.push(h);
      return { h, store: await h.open() };
    };
    afterAll(async () => {
      for (const h of harnesses) await h.cleanup();
    });

    it('appends with contiguous sequence numbers, chains each record to the one before, and reads back every field', async () => {
      const { store } = await fresh();
      const a = await store.append(entry({ requestId: 'r1' }));
      const b = await store.append(
        entry({
          requestId: 'r2',
          action: 'letter-open',
          letterId: 'hospital-a:doc-1',
          outcome: 'refused',
          reason: 'not-found',
          sections: { letters: 1 },
        }),
      );
      const c = await store.append(
        entry({ requestId: 'r3', action: 'audit-read', detail: { org: 'Y12345', returned: 2 }, userVerified: false }),
      );
      expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
      expect(a.prevHash).toBe(GENESIS_HASH);
      expect(b.prevHash).toBe(a.hash);
      expect(c.prevHash).toBe(b.hash);
      const [latest, middle, first] = await store.recent(3);
      expect(first).toEqual(a);
      expect(middle).toEqual(b);
      expect(latest).toEqual(c);
      expect(await verifyChain(store)).toEqual({ ok: true, records: 3, from: 1, to: 3 });
    });

    it('group-commits concurrent appends: every append resolves after its commit, in far fewer transactions', async () => {
      const { store } = await fresh();
      const before = (store as SqliteAuditStore | PostgresAuditStore).commitStats;
      const records = await Promise.all(
        Array.from({ length: 500 }, (_, i) => store.append(entry({ requestId: `g${i}` }))),
      );
      const after = (store as SqliteAuditStore | PostgresAuditStore).commitStats;
      expect(new Set(records.map((r) => r.seq)).size).toBe(500);
      expect(after.records - before.records).toBe(500);
      expect(after.batches - before.batches).toBeLessThan(50);
      expect((await store.query({ limit: 1_000 })).map((r) => r.requestId)).toEqual(records.map((r) => r.requestId));
      expect((await verifyChain(store)).ok).toBe(true);
    });

    it('keeps one chain when two instances append at once', async () => {
      const { h, store } = await fresh();
      const other = await h.open();
      await Promise.all(
        Array.from({ length: 400 }, (_, i) => (i % 2 ? store : other).append(entry({ requestId: `two-${i}` }))),
      );
      const rows = await store.query({ limit: 1_000 });
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      expect(await verifyChain(other)).toMatchObject({ ok: true, records: 400 });
    });

    it('commits what is queued when closed', async () => {
      const { h, store } = await fresh();
      const pending = Array.from({ length: 50 }, (_, i) => store.append(entry({ requestId: `c${i}` })));
      await store.close();
      await Promise.all(pending);
      const reopened = await h.open();
      expect(await reopened.query({ limit: 100 })).toHaveLength(50);
      await expect(store.append(entry())).rejects.toThrow();
    });

    it('claims a jti once per issuer across instances, and lets it go after expiry', async () => {
      const { h, store } = await fresh();
      const other = await h.open();
      const now = new Date();
      const exp = new Date(now.getTime() + 120_000);
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).claimJti('https://a', 'j1', exp, now)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claimJti('https://b', 'j1', exp, now)).toBe(true);
      const later = new Date(exp.getTime() + 1_000);
      expect(await other.claimJti('https://a', 'j1', new Date(later.getTime() + 120_000), later)).toBe(true);
      expect(await store.claimJti('https://a', 'j1', new Date(later.getTime() + 120_000), later)).toBe(false);
    });

    it('filters by patient, user, organisation, action, outcome and time, and pages on seq', async () => {
      const { store } = await fresh();
      const t = (m: number) => new Date(Date.UTC(2026, 10, 25, 10, m));
      await store.append(entry({ at: t(0) }));
      await store.append(entry({ at: t(1), nhsNumber: '9990000026' }));
      await store.append(entry({ at: t(2), user: { ...USER, id: 'u2', org: 'B86016' } }));
      await store.append(entry({ at: t(3), action: 'session-start', outcome: 'started' }));
      await store.append(entry({ at: t(4), outcome: 'refused', reason: 'insufficient-role' }));
      const seqs = async (q: Parameters<AuditLog['query']>[0]) => (await store.query(q)).map((r) => r.seq);
      expect(await seqs({ nhsNumber: '9990000026', limit: 10 })).toEqual([2]);
      expect(await seqs({ userId: 'u2', limit: 10 })).toEqual([3]);
      expect(await seqs({ org: 'B86016', limit: 10 })).toEqual([3]);
      expect(await seqs({ action: 'session-start', limit: 10 })).toEqual([4]);
      expect(await seqs({ outcome: 'refused', limit: 10 })).toEqual([5]);
      expect(await seqs({ from: t(1), to: t(3), limit: 10 })).toEqual([2, 3]);
      expect(await seqs({ limit: 2 })).toEqual([1, 2]);
      expect(await seqs({ afterSeq: 2, limit: 2 })).toEqual([3, 4]);
    });

    it('HAZ-002: is append-only: direct updates and deletes are refused by the database', async () => {
      const { h, store } = await fresh();
      await store.append(entry());
      await expect(h.raw("UPDATE audit_event SET nhs_number = '9990000026'")).rejects.toThrow(/append-only/);
      await expect(h.raw('DELETE FROM audit_event')).rejects.toThrow(/append-only/);
      expect(await store.recent(10)).toHaveLength(1);
    });

    it('refuses to start on a schema newer than it knows', async () => {
      const { h } = await fresh();
      await h.setSchemaVersion(99);
      await expect(h.open()).rejects.toThrow(AuditSchemaError);
      await expect(h.open()).rejects.toThrow(/schema version 99 is newer than this release understands/);
    });

    it('purges up to a date, keeps the last purged hash as anchor, audits the purge, and still verifies', async () => {
      const { h, store } = await fresh();
      for (let i = 0; i < 5; i++) await store.append(entry({ at: new Date(Date.UTC(2020, 0, 1 + i)) }));
      await store.append(entry({ at: new Date(Date.UTC(2026, 0, 1)) }));
      const result = await store.purge(new Date(Date.UTC(2021, 0, 1)), {
        at: new Date(Date.UTC(2026, 0, 2)),
        requestId: 'purge-1',
        outcome: 'shown',
        user: { id: 'os-user:ig', name: 'ig', role: 'audit-cli' },
        userVerified: false,
      });
      expect(result).toMatchObject({ purged: 5, throughSeq: 5 });
      expect(result.record).toMatchObject({ seq: 7, action: 'audit-purge', detail: { purged: 5, throughSeq: 5 } });
      expect((await store.query({ limit: 10 })).map((r) => r.seq)).toEqual([6, 7]);
      expect(await verifyChain(store)).toEqual({ ok: true, records: 2, from: 6, to: 7 });
      // The purge lifted the append-only rule for itself only.
      await expect(h.raw('DELETE FROM audit_event')).rejects.toThrow(/append-only/);
      await store.append(entry());
      expect((await verifyChain(store)).ok).toBe(true);
    });

    describe('tamper evidence: verify finds the first broken link', () => {
      const chainOf = async (n: number) => {
        const { h, store } = await fresh();
        for (let i = 0; i < n; i++) await store.append(entry({ requestId: `t${i}` }));
        return { h, store };
      };

      it('an edited record (another patient put in)', async () => {
        const { h, store } = await chainOf(6);
        await h.tamper("UPDATE audit_event SET nhs_number = '9990000026' WHERE seq = 3");
        expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 3, problem: 'hash-mismatch', records: 2 });
      });

      it('an edited record whose own hash was recomputed', async () => {
        const { h, store } = await chainOf(6);
        const [row] = await store.chainRows(2, 1);
        const forged = { ...row!.fields, outcome: 'refused' };
        await h.tamper(
          `UPDATE audit_event SET outcome = 'refused', hash = '${chainHash(3, forged, row!.prevHash)}' WHERE seq = 3`,
        );
        expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 4, problem: 'broken-link' });
      });

      it('a deleted record', async () => {
        const { h, store } = await chainOf(6);
        await h.tamper('DELETE FROM audit_event WHERE seq = 4');
        expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 5, problem: 'broken-link' });
      });

      it('renumbered records (two swapped)', async () => {
        const { h, store } = await chainOf(6);
        await h.tamper(
          'UPDATE audit_event SET seq = 100 WHERE seq = 2; UPDATE audit_event SET seq = 2 WHERE seq = 3; UPDATE audit_event SET seq = 3 WHERE seq = 100',
        );
        expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 2, problem: 'broken-link' });
      });

      it('an inserted record, even with a correctly computed hash', async () => {
        const { h, store } = await chainOf(4);
        const [last] = await store.recent(1);
        const forged = entry({ requestId: 'forged', at: new Date('2026-11-25T10:00:00.000Z') });
        const { storedFields } = await import('./chain.ts');
        const hash = chainHash(5, storedFields(forged), last!.hash);
        await h.tamper(
          `INSERT INTO audit_event (seq, at, request_id, action, outcome, user_id, user_name, user_role, user_org, user_verified,
             issuer, nhs_number, sections, sources, client_address, user_agent, prev_hash, hash)
           VALUES (5, '2026-11-25T10:00:00.000Z', 'forged', 'summary-view', 'shown', 'u1', 'Dr Ada Testwell', 'R8000', 'Y12345', true,
             'https://gp-host.test', '9990000018', '${JSON.stringify(forged.sections)}', '${JSON.stringify(forged.sources)}',
             '127.0.0.1', 'vitest', '${last!.hash}', '${hash}')`,
        );
        expect(await verifyChain(store)).toMatchObject({ ok: false, problem: 'head-mismatch' });
      });

      it('a removed tail', async () => {
        const { h, store } = await chainOf(6);
        await h.tamper('DELETE FROM audit_event WHERE seq >= 5');
        expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 6, problem: 'missing-records' });
      });

      it('an intact chain verifies', async () => {
        const { store } = await chainOf(6);
        expect(await verifyChain(store)).toEqual({ ok: true, records: 6, from: 1, to: 6 });
      });
    });
  });
}

conformance('SQLite', () => Promise.resolve(sqliteHarness()));

const pgState = await probePostgres();
if (pgState.available) {
  conformance('PostgreSQL', async () => postgresHarness(await createTestSchema()));
  it('PostgreSQL: every connection commits synchronously (synchronous_commit=on)', async () => {
    const schema = await createTestSchema();
    const store = await PostgresAuditStore.open({ url: schema.url });
    try {
      expect(await store.durability()).toEqual({ synchronousCommit: 'on' });
    } finally {
      await store.close();
      await schema.drop();
    }
  });
} else if (postgresAbsencePolicy() === 'warn') {
  it('PostgreSQL audit store: NOT TESTED (CARE_SIDEBAR_SKIP_PG=1)', () => {
    loudWarning('audit store conformance suite', pgState.reason);
  });
} else {
  it('PostgreSQL audit store: a PostgreSQL server must be reachable', () => {
    throw new Error(
      `No PostgreSQL at the test URL (${pgState.reason}). Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), or set CARE_SIDEBAR_SKIP_PG=1 outside CI to run without it.`,
    );
  });
}
