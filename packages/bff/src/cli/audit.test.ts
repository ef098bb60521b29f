import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../audit/audit-store.ts';
import { SqliteAuditStore } from '../audit/sqlite-audit-store.ts';
import { runAuditCli } from './audit.ts';

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date('2026-11-25T10:00:00.000Z'),
  requestId: crypto.randomUUID(),
  action: 'summary-view',
  outcome: 'shown',
  user: { id: 'u1', name: 'Dr Ada Testwell', role: 'R8000', org: 'Y12345' },
  userVerified: true,
  nhsNumber: '9990000018',
  sections: { flags: 1, results: 2, letters: 0 },
  ...over,
});

/** A config file naming a fresh SQLite store holding `n` records (every other one about patient B). */
async function withStore(n: number, retentionDays: number | null = null) {
  const dir = mkdtempSync(join(tmpdir(), 'care-sidebar-cli-'));
  const path = join(dir, 'audit.db');
  const store = SqliteAuditStore.open(path);
  for (let i = 0; i < n; i++)
    await store.append(
      entry({ at: new Date(Date.UTC(2020 + i, 0, 1)), ...(i % 2 ? { nhsNumber: '9990000026' } : {}) }),
    );
  await store.close();
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      publicUrl: 'https://bff.example',
      trustedIssuers: [{ issuer: 'https://gp.example', jwksUri: 'https://gp.example/jwks.json' }],
      clinicalRoles: ['R8000'],
      sources: [{ id: 'a', name: 'A', fhirBaseUrl: 'https://fhir.a.example/R4' }],
      audit: { url: `sqlite:${path}`, retention: { days: retentionDays } },
      session: { secretEnv: 'CARE_SIDEBAR_SESSION_SECRET' },
    }),
  );
  // No session secret: the CLI needs only the audit settings.
  const env = { CARE_SIDEBAR_CONFIG: config };
  return { path, env };
}

describe('npm run audit -- (CLI)', () => {
  it('verify: exit 0 on an intact chain, 1 naming the first broken record after a direct edit', async () => {
    const { path, env } = await withStore(5);
    const ok = await runAuditCli(['verify'], env);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('audit chain intact: 5 records verified');
    const db = new DatabaseSync(path);
    db.exec("DROP TRIGGER audit_event_no_update; UPDATE audit_event SET user_name = 'Someone Else' WHERE seq = 3");
    db.close();
    const broken = await runAuditCli(['verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('BROKEN at record 3 (hash-mismatch)');
  });

  it('report: "who viewed this record" as CSV for one patient, and the report is itself audited', async () => {
    const { path, env } = await withStore(4);
    const res = await runAuditCli(['report', '--nhs-number', '9990000026'], env);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(
      '2021-01-01T00:00:00.000Z,Dr Ada Testwell,R8000,Y12345,viewed the summary,shown,flags: 1; results: 2; letters: 0,yes',
    );
    const db = new DatabaseSync(path, { readOnly: true });
    expect(db.prepare('SELECT action, nhs_number FROM audit_event ORDER BY seq DESC LIMIT 1').get()).toEqual({
      action: 'audit-read',
      nhs_number: '9990000026',
    });
    db.close();
    expect((await runAuditCli(['report', '--nhs-number', '123'], env)).code).toBe(2);
  });

  it('purge: deletes before the date, is audited, and verify still passes from the anchor', async () => {
    const { env } = await withStore(6);
    const purged = await runAuditCli(['purge', '--before', '2023-06-01'], env);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain('purged 4 records');
    expect(await runAuditCli(['verify'], env)).toMatchObject({ code: 0 });
  });

  it('purge without --before needs a configured retention period (the default keeps records for ever)', async () => {
    const { env } = await withStore(2);
    const res = await runAuditCli(['purge'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('keep for ever');
    const withRetention = await withStore(2, 365);
    expect(await runAuditCli(['purge'], withRetention.env)).toMatchObject({ code: 0 });
  });

  it('names the bad setting when the config is wrong, and explains usage', async () => {
    const bad = await runAuditCli(['verify'], { CARE_SIDEBAR_CONFIG: '/nonexistent.json' });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('CARE_SIDEBAR_CONFIG');
    expect((await runAuditCli(['frobnicate'], {})).code).toBe(2);
  });
});
