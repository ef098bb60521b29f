import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommitQueue } from './group-commit.ts';

/** Settles after two turns of the event loop (setImmediate is never faked below). */
const twoTurns = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GroupCommitQueue', () => {
  afterEach(() => vi.useRealTimers());

  it('leader: a lone append commits in the same turn of the event loop, with no timer to wait for', async () => {
    // Timers are frozen: a queue that waited for any timer (even 0 ms) would never commit here.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const batches: number[][] = [];
    const q = new GroupCommitQueue<number, number>((items) => (batches.push([...items]), [...items]), {
      windowMs: 0,
      maxBatch: 100,
      maxPending: 1_000,
    });
    let done = false;
    const p = q.push(7).then((r) => ((done = true), r));
    await twoTurns();
    expect(done).toBe(true);
    expect(await p).toBe(7);
    // Pushed in one turn: one batch.
    await Promise.all([q.push(1), q.push(2), q.push(3)]);
    expect(batches).toEqual([[7], [1, 2, 3]]);
  });

  it('followers: appends arriving while a commit is in flight share the next commit, which starts as soon as it ends', async () => {
    const batches: number[][] = [];
    let release = deferred();
    const started: (() => void)[] = [];
    const q = new GroupCommitQueue<number, number>(
      async (items) => {
        batches.push([...items]);
        started.shift()?.();
        await release.promise;
        return [...items];
      },
      { windowMs: 0, maxBatch: 100, maxPending: 1_000 },
    );
    const leaderStarted = new Promise<void>((r) => started.push(r));
    const leader = q.push(1);
    await leaderStarted;
    const followers = [q.push(2), q.push(3), q.push(4)];
    await twoTurns();
    expect(batches).toEqual([[1]]); // one batch at a time: the followers wait for the leader's commit
    const firstRelease = release;
    release = deferred();
    release.resolve();
    firstRelease.resolve();
    expect(await leader).toBe(1);
    expect(await Promise.all(followers)).toEqual([2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(q.stats).toEqual({ batches: 2, records: 4 });
  });

  it('windowMs > 0: the leader waits up to that long for company', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const batches: number[][] = [];
    const q = new GroupCommitQueue<number, number>((items) => (batches.push([...items]), [...items]), {
      windowMs: 20,
      maxBatch: 100,
      maxPending: 1_000,
    });
    const first = q.push(1);
    await twoTurns();
    expect(batches).toEqual([]);
    const second = q.push(2);
    vi.advanceTimersByTime(20);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('commits concurrent items together and resolves each with its own result', async () => {
    const batches: number[][] = [];
    const q = new GroupCommitQueue<number, number>((items) => (batches.push([...items]), items.map((i) => i * 2)), {
      windowMs: 5,
      maxBatch: 100,
      maxPending: 1_000,
    });
    expect(await Promise.all([1, 2, 3].map((i) => q.push(i)))).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('rejects every item of a failed batch (sync or async failure), and carries on with the next batch', async () => {
    let fail = true;
    const q = new GroupCommitQueue<number, number>(
      (items) => {
        if (fail) throw new Error('disk full');
        return [...items];
      },
      { windowMs: 1, maxBatch: 100, maxPending: 1_000 },
    );
    const results = await Promise.allSettled([q.push(1), q.push(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await q.push(3)).toBe(3);
    const asyncFail = new GroupCommitQueue<number, number>(() => Promise.reject(new Error('gone')), {
      windowMs: 1,
      maxBatch: 100,
      maxPending: 1_000,
    });
    await expect(Promise.all([asyncFail.push(1), asyncFail.push(2)])).rejects.toThrow('gone');
  });

  it('bounds the batch size and the queue (load shedding instead of unbounded memory)', async () => {
    const sizes: number[] = [];
    const q = new GroupCommitQueue<number, number>((items) => (sizes.push(items.length), [...items]), {
      windowMs: 1,
      maxBatch: 10,
      maxPending: 25,
    });
    const pushes = Array.from({ length: 30 }, (_, i) => q.push(i));
    const settled = await Promise.allSettled(pushes);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
  });

  it('commits what is queued on close, then refuses new items', async () => {
    const q = new GroupCommitQueue<number, number>((items) => [...items], {
      windowMs: 50,
      maxBatch: 10,
      maxPending: 100,
    });
    const p = q.push(1);
    await q.close();
    expect(await p).toBe(1);
    await expect(q.push(2)).rejects.toThrow(/closed/);
  });
  it('tells observers about each batch, committed or failed, and an observer that throws changes nothing', async () => {
    let fail = false;
    const q = new GroupCommitQueue<number, number>(
      (items) => {
        if (fail) throw new Error('disk full');
        return [...items];
      },
      { windowMs: 5, maxBatch: 100, maxPending: 1_000 },
    );
    const seen: { records: number; ok: boolean; seconds: number }[] = [];
    q.observe(() => {
      throw new Error('observer bug');
    });
    const stop = q.observe((batch) => seen.push(batch));
    expect(q.pending).toBe(0);
    const first = Promise.all([q.push(1), q.push(2), q.push(3)]);
    expect(q.pending).toBe(3);
    expect(await first).toEqual([1, 2, 3]);
    fail = true;
    await expect(q.push(4)).rejects.toThrow('disk full');
    expect(seen.map(({ records, ok }) => ({ records, ok }))).toEqual([
      { records: 3, ok: true },
      { records: 1, ok: false },
    ]);
    expect(seen.every((b) => b.seconds >= 0)).toBe(true);
    stop();
    fail = false;
    await q.push(5);
    expect(seen).toHaveLength(2);
  });
  it('hands the followers to the store before the finished batch’s appends run on, and tells it which batches are busy', async () => {
    const events: string[] = [];
    const busyFlags: boolean[] = [];
    const commits: { items: number[]; release: () => void }[] = [];
    const q = new GroupCommitQueue<number, number>(
      (items, batch) => {
        events.push(`commit ${items.join(',')}`);
        busyFlags.push(batch.busy);
        return new Promise<number[]>((resolve) =>
          commits.push({ items: [...items], release: () => resolve([...items]) }),
        );
      },
      { windowMs: 0, maxBatch: 100, maxPending: 1_000 },
    );
    const leader = q.push(1).then(() => events.push('leader answered'));
    await twoTurns();
    const followers = [q.push(2), q.push(3)];
    expect(commits).toHaveLength(1);
    commits[0]?.release();
    await leader;
    // The followers' commit started before the leader's append returned to its caller.
    expect(events).toEqual(['commit 1', 'commit 2,3', 'leader answered']);
    commits[1]?.release();
    await Promise.all(followers);
    await q.flush();
    const later = q.push(4);
    await twoTurns();
    commits[2]?.release();
    await later;
    // Leader batches come from an idle store; a batch of followers waited behind a commit.
    expect(busyFlags).toEqual([false, true, false]);
  });
});
