import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { auditText } from './audit-store.ts';

/** Client address and user agent for the audit record. */
export function requestAuditFields(c: Context): { clientAddress?: string; userAgent?: string } {
  let clientAddress: string | undefined;
  try {
    clientAddress = getConnInfo(c).remote.address;
  } catch {
    // Not served by @hono/node-server (in-process tests): no socket to read.
  }
  const userAgent = auditText(c.req.header('User-Agent'), 512);
  return { ...(clientAddress ? { clientAddress } : {}), ...(userAgent ? { userAgent } : {}) };
}
