import { AuditUnavailableError } from './audit-store.ts';

export interface GroupCommitOptions {
  /**
   * Extra time the first item of a batch may wait for company when no batch is in flight. 0 (the
   * default of `audit.groupCommitMs`) adds no wait: the batch commits in the same turn of the event
   * loop, and only items that arrive while a commit is in flight wait — for the next batch.
   */
  readonly windowMs: number;
  /** Most items in one transaction. */
  readonly maxBatch: number;
  /** Most items waiting; beyond it appends are refused at once (load shedding), not buffered without bound. */
  readonly maxPending: number;
}

/** Told about every batch once it has committed (`ok`) or failed; must not throw. */
export type CommitObserver = (batch: {
  readonly records: number;
  readonly seconds: number;
  readonly ok: boolean;
}) => void;

/** What a commit is told about its batch. */
export interface BatchContext {
  /**
   * True for a batch of followers: its items waited behind a commit in flight, so the store is
   * busy and the event loop has answers to send; false for a leader's batch (the store was idle).
   */
  readonly busy: boolean;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Group commit, leader/follower: many concurrent appends share one transaction and one fsync
 * without waiting for a timer. When no batch is in flight, the first item (the leader) starts a
 * batch at the end of the current turn of the event loop (setImmediate), taking every item pushed in
 * that turn; items pushed while a batch is being committed (the followers) all go in the next batch,
 * which is handed to the store as soon as that commit ends, while the answers of the batch that
 * ended are still being sent (so the store's next fsync overlaps the event loop's work). So a lone
 * append pays one commit and nothing more, and under load the batch grows with the commit time.
 * The store is told whether a batch is one of followers (`busy`). `windowMs` > 0 adds an optional
 * wait for the leader (the behaviour before leader/follower). One batch is committed at a time, at
 * most `maxBatch` items each. Each append settles only when its own batch has committed, and a failed
 * batch rejects every append in it — so "resolved" always means "durable".
 */
export class GroupCommitQueue<T, R> {
  readonly #commit: (items: readonly T[], batch: BatchContext) => Promise<R[]> | R[];
  readonly #options: GroupCommitOptions;
  #pending: Waiting<T, R>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  readonly #observers = new Set<CommitObserver>();
  /** Committed batches and records, for tests and the benchmark. */
  readonly stats = { batches: 0, records: 0 };

  constructor(commit: (items: readonly T[], batch: BatchContext) => Promise<R[]> | R[], options: GroupCommitOptions) {
    this.#commit = commit;
    this.#options = options;
  }

  get pending(): number {
    return this.#pending.length;
  }

  /** Adds a batch observer (metrics); returns the function that removes it. */
  observe(observer: CommitObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  #notify(records: number, started: number, ok: boolean): void {
    const seconds = (performance.now() - started) / 1000;
    for (const observer of this.#observers) {
      try {
        observer({ records, seconds, ok });
      } catch {
        // An observer's fault must never fail or delay the batch it watches.
      }
    }
  }

  push(item: T): Promise<R> {
    if (this.#closed) return Promise.reject(new AuditUnavailableError('the audit store is closed'));
    if (this.#pending.length >= this.#options.maxPending)
      return Promise.reject(new AuditUnavailableError('the audit queue is full'));
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Commits everything queued so far; resolves when the queue is empty (failed batches included). */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing) {
      if (this.#flushing) await this.#flushing;
      else await this.#run();
    }
  }

  /** Refuses new items and commits the queued ones. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Starts a batch soon: at the end of this turn (leader), after the window, or when the running one ends (followers). */
  #schedule(): void {
    if (this.#flushing) return; // a follower: the running batch starts the next one when it ends
    if (this.#options.windowMs > 0 && this.#pending.length < this.#options.maxBatch) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        void this.#run();
      }, this.#options.windowMs);
      return;
    }
    this.#startSoon();
  }

  /** Runs the next batch at the end of the current turn of the event loop, after this turn's pushes. */
  #startSoon(): void {
    this.#immediate ??= setImmediate(() => {
      this.#immediate = undefined;
      void this.#run();
    });
  }

  /** `busy`: the batch is one of followers (it waited behind a commit). */
  #run(busy = false): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#immediate) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    const batch = this.#pending.splice(0, this.#options.maxBatch);
    if (batch.length === 0) return Promise.resolve();
    const started = performance.now();
    let committed: Promise<R[]>;
    try {
      // Called now, not after a tick: a batch of followers reaches the store (its commit thread, or
      // the database server) before the previous batch's answers are sent, so the two overlap.
      committed = Promise.resolve(
        this.#commit(
          batch.map((w) => w.item),
          { busy },
        ),
      );
    } catch (err) {
      committed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const flushing = committed.then(
      (results) => {
        this.stats.batches++;
        this.stats.records += batch.length;
        this.#notify(batch.length, started, true);
        batch.forEach((w, i) => w.resolve(results[i] as R));
        this.#next();
      },
      (err: unknown) => {
        this.#notify(batch.length, started, false);
        const error = err instanceof Error ? err : new Error(String(err));
        for (const w of batch) w.reject(error);
        this.#next();
      },
    );
    this.#flushing = flushing;
    return flushing;
  }

  /**
   * A batch has settled and its appends have been told (their code runs once this returns). The
   * followers, which arrived during its commit, have already waited: their batch starts at once.
   */
  #next(): void {
    this.#flushing = undefined;
    if (this.#pending.length === 0) return;
    void this.#run(true);
  }
}
