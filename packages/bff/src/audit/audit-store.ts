import type { StoredFields } from './chain.ts';
import type { CommitObserver } from './group-commit.ts';

/**
 * The audit record (DESIGN §5): who saw whose record, when, what, and with what outcome.
 * The audit store is the only place that records who saw whom.
 */
export type AuditAction =
  | 'session-start'
  | 'summary-view'
  | 'letter-open'
  | 'launch-refused'
  /** An IG reader queried the audit (the filter is in `detail`). */
  | 'audit-read'
  /** Records older than a date were deleted under the retention policy (what, in `detail`). */
  | 'audit-purge';
export type AuditOutcome = 'started' | 'shown' | 'opted-out' | 'refused' | 'error';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'session-start',
  'summary-view',
  'letter-open',
  'launch-refused',
  'audit-read',
  'audit-purge',
];
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['started', 'shown', 'opted-out', 'refused', 'error'];

export interface AuditUser {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly org: string;
}

export interface AuditEntry {
  readonly at: Date;
  readonly requestId: string;
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /** The problem code for refusals and errors. */
  readonly reason?: string;
  /** As the launch or session claimed it; `userVerified` says whether the token's signature was checked. */
  readonly user?: Partial<AuditUser>;
  readonly userVerified: boolean;
  readonly issuer?: string;
  readonly nhsNumber?: string;
  /** What was returned: item counts per section. */
  readonly sections?: Readonly<Record<string, number>>;
  /** The letter opened (`letter-open`). */
  readonly letterId?: string;
  /** Sources asked and what each answered. */
  readonly sources?: readonly { readonly id: string; readonly status: string }[];
  readonly clientAddress?: string;
  readonly userAgent?: string;
  /** Action-specific facts with no patient data: the filter of an `audit-read`, what an `audit-purge` removed. */
  readonly detail?: Readonly<Record<string, string | number>>;
}

export interface AuditRecord extends AuditEntry {
  /** Per-store sequence number: ordering that does not depend on the wall clock. */
  readonly seq: number;
  /** SHA-256 (hex) of the previous record's hash and this record's canonical content (chain.ts). */
  readonly hash: string;
  readonly prevHash: string;
}

/** What the request handlers need: durable appends, single-use jtis, readiness. */
export interface AuditStore {
  /** Resolves once the record is durably committed; rejects when it could not be. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /**
   * Records a launch token's jti as used; false when it was used before (a replay).
   * Kept until `expiresAt` so a replay is refused across restarts and instances.
   */
  claimJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean>;
  /** Newest first. */
  recent(limit: number): Promise<AuditRecord[]>;
  /** Throws when the store cannot take writes. */
  ping(): Promise<void>;
  /** Commits what is queued, then closes. */
  close(): Promise<void>;
  /** Appends waiting for their group commit (for metrics); absent for stores without a queue. */
  readonly queueDepth?: number;
  /** Tells `observer` about each committed or failed batch (for metrics); returns the unsubscribe. */
  observeCommits?(observer: CommitObserver): () => void;
}

/** A filter over the audit; every field narrows. Records come oldest first, after `afterSeq`. */
export interface AuditQuery {
  readonly nhsNumber?: string;
  readonly userId?: string;
  readonly org?: string;
  readonly action?: AuditAction;
  readonly outcome?: AuditOutcome;
  /** Inclusive. */
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
  readonly afterSeq?: number;
  readonly limit: number;
}

/** The stored form of one record, as the hash chain sees it (chain.ts). */
export interface ChainRow {
  readonly seq: number;
  readonly hash: string;
  readonly prevHash: string;
  /** Exactly as stored, so the verifier hashes what is in the database, not a re-serialisation. */
  readonly fields: StoredFields;
}

/** Where the chain starts (after a purge) and where it ends. */
export interface ChainState {
  /** The last purged record; the first kept record links to its hash. */
  readonly anchor?: { readonly seq: number; readonly hash: string };
  /** The newest record as the store last wrote it; catches a truncated tail. */
  readonly head?: { readonly seq: number; readonly hash: string };
}

export interface PurgeResult {
  readonly purged: number;
  readonly throughSeq?: number;
  /** The purge's own audit record. */
  readonly record: AuditRecord;
}

/** The whole store: what IG readers, `verify`, `report` and `purge` use as well. */
export interface AuditLog extends AuditStore {
  query(query: AuditQuery): Promise<AuditRecord[]>;
  /** Rows in seq order after `afterSeq`, for verifying the chain page by page. */
  chainRows(afterSeq: number, limit: number): Promise<ChainRow[]>;
  chainState(): Promise<ChainState>;
  /**
   * Deletes every record up to the newest one older than `before`, keeps that record's hash as the
   * chain's anchor, and appends an `audit-purge` record, all in one transaction.
   */
  purge(before: Date, entry: Omit<AuditEntry, 'action' | 'detail'>): Promise<PurgeResult>;
}

export function isAuditLog(store: AuditStore): store is AuditLog {
  return typeof (store as Partial<AuditLog>).query === 'function';
}

/** The store could not take the record (full queue, failed commit, closed store). */
export class AuditUnavailableError extends Error {
  override readonly name = 'AuditUnavailableError';
}

/** Caps a claimed string so a hostile token cannot bloat or forge the record (control characters removed). */
export function auditText(value: unknown, max = 256): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
