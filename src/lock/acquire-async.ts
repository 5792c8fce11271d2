import { BACKOFF_FIRST_MS, nextBackoff, remaining, sleep } from './backoff.js';
import { flockAsync, isInterrupted } from './flock.js';
import { tryFlock, type LockMode } from './acquire-sync.js';
import type { LockFileHandle } from './lock-file.js';
import { releasePoolSlot, tryTakePoolSlot } from './pool-gate.js';

/**
 * How an async acquisition ended: `held`; `timeout` (the caller still owns the handle);
 * `abandoned` (timed out while a pool thread waits in flock: that wait now owns the handle
 * and unlocks and closes it when flock returns).
 */
export type AsyncAcquireResult = 'held' | 'timeout' | 'abandoned';

// Take the lock without stalling the event loop and without filling libuv's pool: up to
// `maxPoolWaiters` waits sleep in the kernel's lock queue on pool threads, the rest poll.
export async function acquireAsync(
  handle: LockFileHandle, mode: LockMode, deadline: number, maxPoolWaiters: number,
): Promise<AsyncAcquireResult> {
  if (tryFlock(handle.fd, mode)) return 'held';
  let delay = BACKOFF_FIRST_MS;
  for (;;) {
    const left = remaining(deadline);
    if (left <= 0) return 'timeout';
    // Checked on every round, so a poller moves to the pool as soon as a slot frees up.
    if (tryTakePoolSlot(maxPoolWaiters)) return waitInPool(handle, mode, left);
    await sleep(Math.min(delay, left));
    delay = nextBackoff(delay);
    if (tryFlock(handle.fd, mode)) return 'held';
  }
}

// A blocking flock on a pool thread, raced against a timer. The thread cannot be cancelled, so a
// lost race abandons the wait: when flock returns, nobody wants the lock, so it is given straight
// back and the fd closed. The fd was opened for this acquisition alone: no other holder is touched.
function waitInPool(handle: LockFileHandle, mode: LockMode, left: number): Promise<AsyncAcquireResult> {
  return new Promise((resolve, reject) => {
    let abandoned = false;
    const timer = left === Infinity ? undefined : setTimeout(() => {
      abandoned = true;
      resolve('abandoned');
    }, left);
    const attempt = (): void => {
      flockAsync(handle.fd, mode).then(() => {
        releasePoolSlot();
        if (abandoned) handle.release();
        else {
          clearTimeout(timer);
          resolve('held');
        }
      }, (err: unknown) => {
        if (isInterrupted(err)) return attempt(); // keep the slot: the thread waits again
        releasePoolSlot();
        if (abandoned) handle.close();
        else {
          clearTimeout(timer);
          reject(err);
        }
      });
    };
    attempt();
  });
}
