import pg from 'pg';

/**
 * Test support: the machine's PostgreSQL (README: 127.0.0.1:5432, database `test`, user `postgres`),
 * one fresh schema per use, dropped afterwards. `CARE_SIDEBAR_TEST_PG_URL` points elsewhere.
 */
export const PG_TEST_URL = process.env['CARE_SIDEBAR_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresAvailability {
  readonly available: boolean;
  readonly reason?: string;
}

export async function probePostgres(): Promise<PostgresAvailability> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { available: true };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * What the PostgreSQL half of a suite does when no server answers: in CI, or unless
 * CARE_SIDEBAR_SKIP_PG=1, that is a failure; with the variable set, a loud warning.
 */
export function postgresAbsencePolicy(): 'fail' | 'warn' {
  if (process.env['CI'] === 'true' || process.env['CI'] === '1') return 'fail';
  return process.env['CARE_SIDEBAR_SKIP_PG'] === '1' ? 'warn' : 'fail';
}

export function loudWarning(what: string, reason: string | undefined): void {
  const line = '!'.repeat(78);
  process.stderr.write(
    `\n${line}\n!! PostgreSQL NOT TESTED: ${what}\n!! (${reason ?? 'unreachable'}) — CARE_SIDEBAR_SKIP_PG=1 is set.\n!! Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n${line}\n\n`,
  );
}

export interface TestSchema {
  readonly schema: string;
  /** The store URL for this schema. */
  readonly url: string;
  /** A superuser connection with search_path set to the schema, for direct (attacker's) SQL. */
  readonly admin: pg.Client;
  drop(): Promise<void>;
}

export async function createTestSchema(prefix = 'care_sidebar_test'): Promise<TestSchema> {
  const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_TEST_URL, options: `-c search_path=${schema}` });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(PG_TEST_URL);
  url.searchParams.set('schema', schema);
  return {
    schema,
    url: url.toString(),
    admin,
    async drop() {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}
