/**
 * The audit record (DESIGN §5): who saw whose record, when, what, and with what outcome.
 * The audit store is the only place that records who saw whom.
 */
export type AuditAction = 'session-start' | 'summary-view' | 'letter-open' | 'launch-refused';
export type AuditOutcome = 'started' | 'shown' | 'opted-out' | 'refused' | 'error';

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
}

export interface AuditRecord extends AuditEntry {
  /** Per-store sequence number: ordering that does not depend on the wall clock. */
  readonly seq: number;
}

export interface AuditStore {
  /** Resolves once the record is durably committed; rejects when it could not be. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /**
   * Records a launch token's jti as used; false when it was used before (a replay).
   * Kept until `expiresAt` so a replay is refused across restarts.
   */
  claimJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean>;
  /** Newest first. */
  recent(limit: number): Promise<AuditRecord[]>;
  /** Throws when the store cannot take writes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Caps a claimed string so a hostile token cannot bloat or forge the record (control characters removed). */
export function auditText(value: unknown, max = 256): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
