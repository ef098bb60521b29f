import { Worker } from 'node:worker_threads';
import type { OrderedFields } from './chain.ts';
import type { CommitThreadData, CommitThreadReply, CommitThreadRequest } from './sqlite-commit-worker.ts';

type Chain = Extract<CommitThreadReply, { ok: true }>['chain'];

interface Waiter {
  readonly resolve: (chain: Chain) => void;
  readonly reject: (err: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  readonly waiting: Map<number, Waiter>;
  /** Settles when the thread has loaded and opened its connection, or is gone. */
  readonly ready: Promise<void>;
}

const WORKER_URL = new URL('./sqlite-commit-worker.ts', import.meta.url);

/**
 * Runs SQLite group commits on a worker thread (sqlite-commit-worker.ts) with its own connection,
 * so the fsync of one batch does not hold the event loop — requests go on being served, and their
 * records gather for the next batch meanwhile. A commit resolves only when the thread reports the
 * transaction committed; if the thread fails or exits, every commit in flight is rejected (never
 * resolved) and the next commit starts a new thread. The thread keeps the process alive only while
 * a commit is in flight.
 */
export class SqliteCommitThread {
  readonly #data: CommitThreadData;
  #thread: Thread | undefined;
  #nextId = 1;

  constructor(path: string, busyTimeoutMs: number) {
    this.#data = { path, busyTimeoutMs };
    // Started at once, so the first view does not wait for the thread to load.
    this.#thread = this.#start();
  }

  /** Commits records given in their stored order (chain.ts orderedFields); resolves with their chain links. */
  commit(rows: readonly OrderedFields[]): Promise<Chain> {
    const thread = (this.#thread ??= this.#start());
    const id = this.#nextId++;
    return new Promise<Chain>((resolve, reject) => {
      thread.waiting.set(id, { resolve, reject });
      if (thread.waiting.size === 1) thread.worker.ref();
      const request: CommitThreadRequest = { type: 'commit', id, rows };
      thread.worker.postMessage(request);
    });
  }

  /** Closes the thread's connection and waits for it to exit (after the commits already sent to it). */
  async close(): Promise<void> {
    const thread = this.#thread;
    if (!thread) return;
    this.#thread = undefined;
    const { worker } = thread;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    const request: CommitThreadRequest = { type: 'close' };
    worker.postMessage(request);
    const timer = setTimeout(() => void worker.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Resolves once the commit thread is up, so the first view does not wait for it to load. */
  async ready(): Promise<void> {
    await (this.#thread ??= this.#start()).ready;
  }

  #start(): Thread {
    const worker = new Worker(WORKER_URL, { workerData: this.#data });
    let started: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const thread: Thread = { worker, waiting: new Map(), ready };
    worker.unref();
    worker.once('exit', () => started());
    worker.on('message', (reply: CommitThreadReply) => {
      if ('ready' in reply) {
        started();
        return;
      }
      const waiter = thread.waiting.get(reply.id);
      if (!waiter) return;
      thread.waiting.delete(reply.id);
      if (thread.waiting.size === 0) worker.unref();
      if (reply.ok) waiter.resolve(reply.chain);
      else waiter.reject(Object.assign(new Error(reply.message), { name: reply.name }));
    });
    worker.on('error', (err: Error) => this.#lost(thread, err));
    worker.on('exit', (code) => this.#lost(thread, new Error(`the audit commit thread exited (code ${code})`)));
    return thread;
  }

  /** A thread is gone: nothing it had in flight is known to have committed, so all of that is refused. */
  #lost(thread: Thread, err: Error): void {
    if (this.#thread === thread) this.#thread = undefined;
    for (const waiter of thread.waiting.values()) waiter.reject(err);
    thread.waiting.clear();
  }
}
