import pg from 'pg';
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
import { chainHash, GENESIS_HASH, orderedFields, recordFrom, type StoredFields, storedFields } from './chain.ts';
import { type CommitObserver, GroupCommitQueue } from './group-commit.ts';
import { AuditSchemaError } from './sqlite-audit-store.ts';

// Versioned migrations, each applied once under a transaction-scoped advisory lock so that several
// instances starting together migrate exactly once. audit_schema holds the last one applied.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE audit_event (
     seq bigint PRIMARY KEY,
     at timestamptz NOT NULL,
     request_id text NOT NULL,
     action text NOT NULL,
     outcome text NOT NULL,
     reason text,
     user_id text, user_name text, user_role text, user_org text,
     user_verified boolean NOT NULL,
     issuer text,
     nhs_number text,
     sections text,
     sources text,
     letter_id text,
     client_address text,
     user_agent text,
     detail text,
     prev_hash text NOT NULL,
     hash text NOT NULL
   );
   CREATE INDEX audit_event_nhs_number ON audit_event (nhs_number, seq);
   CREATE INDEX audit_event_user ON audit_event (user_id, seq);
   CREATE INDEX audit_event_org ON audit_event (user_org, seq);
   CREATE INDEX audit_event_at ON audit_event (at);
   -- The chain head: locked FOR UPDATE by every batch, so all instances append to one chain.
   CREATE TABLE audit_chain (
     id integer PRIMARY KEY CHECK (id = 1),
     head_seq bigint NOT NULL,
     head_hash text NOT NULL,
     anchor_seq bigint,
     anchor_hash text
   );
   INSERT INTO audit_chain (id, head_seq, head_hash) VALUES (1, 0, '${GENESIS_HASH}');
   CREATE TABLE launch_jti (
     issuer text NOT NULL,
     jti text NOT NULL,
     expires_at timestamptz NOT NULL,
     PRIMARY KEY (issuer, jti)
   );
   -- Append-only: only a retention purge (SET LOCAL care_sidebar.purge = 'on') may delete.
   CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'DELETE' AND current_setting('care_sidebar.purge', true) = 'on' THEN
       RETURN OLD;
     END IF;
     RAISE EXCEPTION 'audit is append-only';
   END $$;
   CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
     FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
   CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
     FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();`,
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

export interface PostgresAuditOptions {
  /** `postgres://user@host:port/db[?schema=name]`; never with a password in it. */
  readonly url: string;
  /** The password, from the environment variable `audit.passwordEnv` names (or PGPASSWORD, read by pg). */
  readonly password?: string;
  readonly groupCommitMs?: number;
  readonly maxBatch?: number;
  readonly maxPending?: number;
  readonly poolSize?: number;
  /** Shown in pg_stat_activity; lets operators (and tests) find this instance's connections. */
  readonly applicationName?: string;
}

interface Row {
  seq: string;
  at: Date;
  request_id: string;
  action: string;
  outcome: string;
  reason: string | null;
  user_id: string | null;
  user_name: string | null;
  user_role: string | null;
  user_org: string | null;
  user_verified: boolean;
  issuer: string | null;
  nhs_number: string | null;
  sections: string | null;
  sources: string | null;
  letter_id: string | null;
  client_address: string | null;
  user_agent: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

function fieldsFromRow(row: Row): StoredFields {
  return {
    at: row.at.toISOString(),
    requestId: row.request_id,
    action: row.action,
    outcome: row.outcome,
    reason: row.reason,
    userId: row.user_id,
    userName: row.user_name,
    userRole: row.user_role,
    userOrg: row.user_org,
    userVerified: row.user_verified,
    issuer: row.issuer,
    nhsNumber: row.nhs_number,
    sections: row.sections,
    sources: row.sources,
    letterId: row.letter_id,
    clientAddress: row.client_address,
    userAgent: row.user_agent,
    detail: row.detail,
  };
}

function fromRow(row: Row): AuditRecord {
  return recordFrom(Number(row.seq), fieldsFromRow(row), row.hash, row.prev_hash);
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Splits our `schema` parameter off the URL and refuses a password in it. */
export function parsePostgresUrl(url: string): { connectionString: string; schema?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('must be sqlite:<path> or postgres://user@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new Error('must be sqlite:<path> or postgres://user@host:port/database');
  if (parsed.password) throw new Error('must not contain a password: use audit.passwordEnv or PGPASSWORD');
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new Error('schema must be lower-case letters, digits and underscores');
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), ...(schema ? { schema } : {}) };
}

const INSERT_BATCH = `WITH ins AS (
    INSERT INTO audit_event (seq, at, request_id, action, outcome, reason, user_id, user_name, user_role, user_org,
      user_verified, issuer, nhs_number, sections, sources, letter_id, client_address, user_agent, detail, prev_hash, hash)
    SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::text[], $9::text[], $10::text[], $11::boolean[], $12::text[], $13::text[], $14::text[], $15::text[],
      $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[])
  )
  UPDATE audit_chain SET head_seq = $22, head_hash = $23 WHERE id = 1`;

/** Inside a transaction: takes the chain head (FOR UPDATE: one chain across instances) and appends. */
async function appendAll(client: pg.PoolClient, entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
  const head = await client.query<{ head_seq: string; head_hash: string }>(
    'SELECT head_seq, head_hash FROM audit_chain WHERE id = 1 FOR UPDATE',
  );
  let seq = Number(head.rows[0]?.head_seq ?? 0);
  let prev = head.rows[0]?.head_hash ?? GENESIS_HASH;
  const cols: unknown[][] = Array.from({ length: 21 }, () => []);
  const records: AuditRecord[] = [];
  for (const entry of entries) {
    seq++;
    const f = storedFields(entry);
    const hash = chainHash(seq, f, prev);
    const values = [seq, ...orderedFields(f), prev, hash];
    values.forEach((v, i) => (cols[i] as unknown[]).push(v));
    records.push({ ...entry, seq, hash, prevHash: prev });
    prev = hash;
  }
  await client.query(INSERT_BATCH, [...cols, seq, prev]);
  return records;
}

/**
 * The scale-out audit store: PostgreSQL through `pg`, shared by any number of stateless BFF
 * instances. Every connection runs with synchronous_commit=on (a commit is on disk before it is
 * acknowledged). Appends are group-committed; each batch locks the chain head row, so the hash
 * chain stays one chain whatever the number of writers. The pool replaces broken connections, so
 * the store recovers by itself when the server comes back.
 */
export class PostgresAuditStore implements AuditLog {
  readonly #pool: pg.Pool;
  readonly #queue: GroupCommitQueue<AuditEntry, AuditRecord>;
  #claims = 0;

  private constructor(pool: pg.Pool, options: PostgresAuditOptions) {
    this.#pool = pool;
    this.#queue = new GroupCommitQueue((entries) => this.#commit(entries), {
      windowMs: options.groupCommitMs ?? 0,
      maxBatch: options.maxBatch ?? 2_000,
      maxPending: options.maxPending ?? 20_000,
    });
  }

  static async open(options: PostgresAuditOptions): Promise<PostgresAuditStore> {
    const { connectionString, schema } = parsePostgresUrl(options.url);
    const settings = [
      '-c synchronous_commit=on',
      '-c lock_timeout=5000',
      '-c statement_timeout=15000',
      '-c idle_in_transaction_session_timeout=15000',
      ...(schema ? [`-c search_path=${schema}`] : []),
    ];
    const pool = new pg.Pool({
      connectionString,
      ...(options.password !== undefined ? { password: options.password } : {}),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 3_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName ?? 'care-sidebar-bff',
      options: settings.join(' '),
    });
    // A connection dropped while idle (server restart, terminated backend) must not crash the BFF;
    // the pool discards it and opens a new one on the next checkout.
    pool.on('error', () => undefined);
    // Likewise a connection terminated while checked out or being set up: the query on it fails, which is enough.
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await migrate(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresAuditStore(pool, options);
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    return this.#queue.push(entry);
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

  async #transaction<R>(work: (client: pg.PoolClient) => Promise<R>): Promise<R> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // After a failure the connection's state is unknown: roll back if possible, then discard it.
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw err;
    }
  }

  #commit(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    return this.#transaction((client) => appendAll(client, entries));
  }

  async claimJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    // The primary key makes a jti single-use across every instance; an expired claim may be taken again.
    const result = await this.#pool.query(
      `INSERT INTO launch_jti (issuer, jti, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE launch_jti.expires_at < $4
       RETURNING 1`,
      [issuer, jti, expiresAt, now],
    );
    if (++this.#claims % 100 === 0) {
      await this.#pool.query('DELETE FROM launch_jti WHERE expires_at < $1', [now]).catch(() => undefined);
    }
    return result.rowCount === 1;
  }

  async recent(limit: number): Promise<AuditRecord[]> {
    const { rows } = await this.#pool.query<Row>('SELECT * FROM audit_event ORDER BY seq DESC LIMIT $1', [limit]);
    return rows.map(fromRow);
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (column: string, op: string, value: unknown) => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${column} ${op} $${args.length}`);
    };
    add('seq', '>', q.afterSeq ?? 0);
    add('nhs_number', '=', q.nhsNumber);
    add('user_id', '=', q.userId);
    add('user_org', '=', q.org);
    add('action', '=', q.action);
    add('outcome', '=', q.outcome);
    add('at', '>=', q.from);
    add('at', '<', q.to);
    args.push(q.limit);
    const { rows } = await this.#pool.query<Row>(
      `SELECT * FROM audit_event WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${args.length}`,
      args,
    );
    return rows.map(fromRow);
  }

  async chainRows(afterSeq: number, limit: number): Promise<ChainRow[]> {
    const { rows } = await this.#pool.query<Row>('SELECT * FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2', [
      afterSeq,
      limit,
    ]);
    return rows.map((row) => ({
      seq: Number(row.seq),
      hash: row.hash,
      prevHash: row.prev_hash,
      fields: fieldsFromRow(row),
    }));
  }

  async chainState(): Promise<ChainState> {
    const { rows } = await this.#pool.query<{
      head_seq: string;
      head_hash: string;
      anchor_seq: string | null;
      anchor_hash: string | null;
    }>('SELECT * FROM audit_chain WHERE id = 1');
    const row = rows[0];
    if (!row) return {};
    return {
      head: { seq: Number(row.head_seq), hash: row.head_hash },
      ...(row.anchor_seq !== null && row.anchor_hash !== null
        ? { anchor: { seq: Number(row.anchor_seq), hash: row.anchor_hash } }
        : {}),
    };
  }

  async purge(before: Date, entry: Omit<AuditEntry, 'action' | 'detail'>): Promise<PurgeResult> {
    await this.#queue.flush();
    return this.#transaction(async (client) => {
      // The head lock first: no instance appends while the chain's start moves.
      await client.query('SELECT 1 FROM audit_chain WHERE id = 1 FOR UPDATE');
      const { rows } = await client.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event WHERE at < $1)',
        [before],
      );
      const last = rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : undefined;
      let purged = 0;
      if (last) {
        await client.query("SET LOCAL care_sidebar.purge = 'on'");
        purged = (await client.query('DELETE FROM audit_event WHERE seq <= $1', [last.seq])).rowCount ?? 0;
        await client.query("SET LOCAL care_sidebar.purge = 'off'");
        await client.query('UPDATE audit_chain SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1', [
          last.seq,
          last.hash,
        ]);
      }
      const [record] = await appendAll(client, [
        {
          ...entry,
          action: 'audit-purge',
          detail: { before: before.toISOString(), purged, ...(last ? { throughSeq: last.seq } : {}) },
        },
      ]);
      return { purged, ...(last ? { throughSeq: last.seq } : {}), record: record as AuditRecord };
    });
  }

  /** The durability setting in force on the store's connections. */
  async durability(): Promise<{ synchronousCommit: string }> {
    const { rows } = await this.#pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    return { synchronousCommit: rows[0]?.synchronous_commit ?? 'unknown' };
  }

  async ping(): Promise<void> {
    const { rows } = await this.#pool.query<{ writable: boolean }>(
      "SELECT NOT pg_is_in_recovery() AND has_table_privilege('audit_event', 'INSERT') AS writable",
    );
    if (!rows[0]?.writable) throw new AuditUnavailableError('the audit database does not take writes');
  }

  async close(): Promise<void> {
    await this.#queue.close();
    await this.#pool.end();
  }
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One migrator at a time per schema, released at commit.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('care-sidebar-audit:' || current_schema()))");
    await client.query(
      'CREATE TABLE IF NOT EXISTS audit_schema (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM audit_schema WHERE id = 1');
    const current = rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new AuditSchemaError(
        `audit database schema version ${current} is newer than this release understands (${MIGRATIONS.length}); upgrade care-sidebar`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version] as string);
    }
    await client.query(
      'INSERT INTO audit_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version',
      [Math.max(current, MIGRATIONS.length)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
