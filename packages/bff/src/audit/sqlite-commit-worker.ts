/**
 * The SQLite audit store's commit thread (sqlite-commit-thread.ts starts it): group-commit batches
 * are written and fsynced here, on the thread's own connection, so the event loop keeps serving
 * while a commit waits for the disk. Each batch is one transaction (BEGIN IMMEDIATE: the chain head
 * is read under the write lock, as with any other writer); after a failure the connection is
 * reopened before the next batch, so the store recovers by itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { OrderedFields } from './chain.ts';
import { appendOrdered, connect, type Connection } from './sqlite-audit-store.ts';

export interface CommitThreadData {
  readonly path: string;
  readonly busyTimeoutMs: number;
}

export type CommitThreadRequest =
  /** Records in their stored order (chain.ts orderedFields), as flat arrays: cheap to pass between threads. */
  | { readonly type: 'commit'; readonly id: number; readonly rows: readonly OrderedFields[] }
  | { readonly type: 'close' };

export type CommitThreadReply =
  /** Sent once, when the thread has loaded and opened its connection (or failed to: the first commit retries). */
  | { readonly id: 0; readonly ok: true; readonly ready: true; readonly chain: readonly [] }
  | {
      readonly id: number;
      readonly ok: true;
      readonly chain: readonly { readonly seq: number; readonly hash: string; readonly prevHash: string }[];
    }
  | { readonly id: number; readonly ok: false; readonly name: string; readonly message: string };

const { path, busyTimeoutMs } = workerData as CommitThreadData;
let conn: Connection | undefined;

function drop(): void {
  try {
    if (conn?.db.isOpen) conn.db.close();
  } catch {
    // A broken connection may fail to close too; the next batch opens a new one.
  }
  conn = undefined;
}

function commit(rows: readonly OrderedFields[]): CommitThreadReply & { ok: true; id: 0 } {
  conn ??= connect(path, busyTimeoutMs, false);
  const { db } = conn;
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    drop();
    throw err;
  }
  try {
    const chain = appendOrdered(conn, rows);
    db.exec('COMMIT');
    return { id: 0, ok: true, chain };
  } catch (err) {
    try {
      if (db.isTransaction) db.exec('ROLLBACK');
    } catch {
      // The connection is reopened before the next batch anyway.
    }
    drop();
    throw err;
  }
}

try {
  conn = connect(path, busyTimeoutMs, false);
} catch {
  conn = undefined; // the first batch tries again, and fails with the reason if it still cannot
}
parentPort?.postMessage({ id: 0, ok: true, ready: true, chain: [] } satisfies CommitThreadReply);

parentPort?.on('message', (message: CommitThreadRequest) => {
  if (message.type === 'close') {
    drop();
    parentPort?.close();
    return;
  }
  let reply: CommitThreadReply;
  try {
    reply = { ...commit(message.rows), id: message.id };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: message.id, ok: false, name: e.name, message: e.message };
  }
  parentPort?.postMessage(reply);
});
