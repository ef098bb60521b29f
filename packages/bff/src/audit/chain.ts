import { createHash } from 'node:crypto';
import type { AuditEntry, AuditLog, AuditRecord } from './audit-store.ts';

/** The previous hash of the very first record. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The stored columns of a record, as text, in the order they are hashed. JSON columns are hashed
 * as the exact text stored, so both stores hash the same bytes for the same record.
 */
export interface StoredFields {
  readonly at: string;
  readonly requestId: string;
  readonly action: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly userId: string | null;
  readonly userName: string | null;
  readonly userRole: string | null;
  readonly userOrg: string | null;
  readonly userVerified: boolean;
  readonly issuer: string | null;
  readonly nhsNumber: string | null;
  readonly sections: string | null;
  readonly sources: string | null;
  readonly letterId: string | null;
  readonly clientAddress: string | null;
  readonly userAgent: string | null;
  readonly detail: string | null;
}

export function storedFields(entry: AuditEntry): StoredFields {
  return {
    at: entry.at.toISOString(),
    requestId: entry.requestId,
    action: entry.action,
    outcome: entry.outcome,
    reason: entry.reason ?? null,
    userId: entry.user?.id ?? null,
    userName: entry.user?.name ?? null,
    userRole: entry.user?.role ?? null,
    userOrg: entry.user?.org ?? null,
    userVerified: entry.userVerified,
    issuer: entry.issuer ?? null,
    nhsNumber: entry.nhsNumber ?? null,
    sections: entry.sections ? JSON.stringify(entry.sections) : null,
    sources: entry.sources ? JSON.stringify(entry.sources) : null,
    letterId: entry.letterId ?? null,
    clientAddress: entry.clientAddress ?? null,
    userAgent: entry.userAgent ?? null,
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
  };
}

/** Back from stored columns to the record the API shows. */
export function recordFrom(seq: number, f: StoredFields, hash: string, prevHash: string): AuditRecord {
  const user = {
    ...(f.userId !== null ? { id: f.userId } : {}),
    ...(f.userName !== null ? { name: f.userName } : {}),
    ...(f.userRole !== null ? { role: f.userRole } : {}),
    ...(f.userOrg !== null ? { org: f.userOrg } : {}),
  };
  return {
    seq,
    at: new Date(f.at),
    requestId: f.requestId,
    action: f.action as AuditRecord['action'],
    outcome: f.outcome as AuditRecord['outcome'],
    ...(f.reason !== null ? { reason: f.reason } : {}),
    ...(Object.keys(user).length ? { user } : {}),
    userVerified: f.userVerified,
    ...(f.issuer !== null ? { issuer: f.issuer } : {}),
    ...(f.nhsNumber !== null ? { nhsNumber: f.nhsNumber } : {}),
    ...(f.sections !== null ? { sections: JSON.parse(f.sections) as Record<string, number> } : {}),
    ...(f.letterId !== null ? { letterId: f.letterId } : {}),
    ...(f.sources !== null ? { sources: JSON.parse(f.sources) as { id: string; status: string }[] } : {}),
    ...(f.clientAddress !== null ? { clientAddress: f.clientAddress } : {}),
    ...(f.userAgent !== null ? { userAgent: f.userAgent } : {}),
    ...(f.detail !== null ? { detail: JSON.parse(f.detail) as Record<string, string | number> } : {}),
    hash,
    prevHash,
  };
}

/**
 * hash = SHA-256(prevHash ‖ canonical content), hex. The canonical content is a JSON array with a
 * fixed field order, so it has exactly one serialisation; the seq is in it, so renumbering, swapping
 * or re-inserting a record breaks the chain (the GP Connect audit sequence number, RFC 6962's idea).
 */
export function chainHash(seq: number, f: StoredFields, prevHash: string): string {
  return chainHashOfOrdered(seq, orderedFields(f), prevHash);
}

/** chainHash of fields already in their fixed order (orderedFields). */
export function chainHashOfOrdered(seq: number, ordered: OrderedFields, prevHash: string): string {
  const canonical = JSON.stringify([1 /* canonical form version */, seq, ...ordered]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/** The stored fields as orderedFields gives them. */
export type OrderedFields = readonly (string | boolean | null)[];

/**
 * The stored fields in their one fixed order: the canonical form hashes them in this order and
 * both stores insert them in this order (their columns are listed the same way).
 */
export function orderedFields(f: StoredFields): OrderedFields {
  return [
    f.at,
    f.requestId,
    f.action,
    f.outcome,
    f.reason,
    f.userId,
    f.userName,
    f.userRole,
    f.userOrg,
    f.userVerified,
    f.issuer,
    f.nhsNumber,
    f.sections,
    f.sources,
    f.letterId,
    f.clientAddress,
    f.userAgent,
    f.detail,
  ];
}

export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly from?: number; readonly to?: number }
  | {
      readonly ok: false;
      readonly records: number;
      /** The first record that does not verify (or the head, for a truncated tail). */
      readonly seq: number;
      readonly problem: 'hash-mismatch' | 'broken-link' | 'seq-out-of-order' | 'head-mismatch' | 'missing-records';
      readonly message: string;
    };

/**
 * Walks the chain from the anchor (or the first record) to the head and reports the first broken
 * link: an edited record (its hash no longer matches its content), a deleted or inserted one (the
 * next record's prevHash no longer matches), a renumbered one, or a removed tail (the head row
 * names a record that is not there).
 */
export async function verifyChain(store: AuditLog, pageSize = 5_000): Promise<VerifyResult> {
  const state = await store.chainState();
  let prevHash = state.anchor?.hash ?? GENESIS_HASH;
  let prevSeq = state.anchor?.seq ?? 0;
  let count = 0;
  let first: number | undefined;
  for (;;) {
    const rows = await store.chainRows(prevSeq, pageSize);
    for (const row of rows) {
      const fail = (problem: Extract<VerifyResult, { ok: false }>['problem'], message: string): VerifyResult => ({
        ok: false,
        records: count,
        seq: row.seq,
        problem,
        message: `record ${row.seq}: ${message}`,
      });
      if (row.seq <= prevSeq) return fail('seq-out-of-order', `sequence number does not follow ${prevSeq}`);
      if (row.prevHash !== prevHash)
        return fail(
          'broken-link',
          `does not link to the record before it (${prevSeq}): a record was removed or inserted`,
        );
      if (chainHash(row.seq, row.fields, row.prevHash) !== row.hash)
        return fail('hash-mismatch', 'content does not match its hash: the record was altered');
      first ??= row.seq;
      prevHash = row.hash;
      prevSeq = row.seq;
      count++;
    }
    if (rows.length < pageSize) break;
  }
  const head = state.head;
  if (head && (head.seq !== prevSeq || head.hash !== prevHash)) {
    return {
      ok: false,
      records: count,
      seq: head.seq,
      problem: head.seq > prevSeq ? 'missing-records' : 'head-mismatch',
      message:
        head.seq > prevSeq
          ? `records ${prevSeq + 1} to ${head.seq} are missing: the newest records were removed`
          : `the chain ends at record ${prevSeq}, but the store's head says ${head.seq}`,
    };
  }
  if (!head && count > 0) {
    return { ok: false, records: count, seq: prevSeq, problem: 'head-mismatch', message: 'the chain head is missing' };
  }
  return { ok: true, records: count, ...(first !== undefined ? { from: first, to: prevSeq } : {}) };
}
