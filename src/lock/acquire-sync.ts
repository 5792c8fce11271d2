import { BACKOFF_FIRST_MS, nextBackoff, remaining, sleepSync } from './backoff.js';
import { flockSync, isInterrupted, isWouldBlock } from './flock.js';

/** Mode of a container lock: exclusive (writers) or shared (readers). */
export type LockMode = 'ex' | 'sh';

// One non-blocking attempt: true when taken, false when another open file description holds it.
// fs-ext reports a busy lock by throwing; under contention that is most attempts, and capturing a
// stack trace for each costs more than the flock itself, so none is captured for this call.
export function tryFlock(fd: number, mode: LockMode): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    flockSync(fd, mode === 'ex' ? 'exnb' : 'shnb');
    return true;
  } catch (err) {
    if (isWouldBlock(err)) return false;
    Error.stackTraceLimit = limit;
    if (err instanceof Error) Error.captureStackTrace(err, tryFlock);
    throw err;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

// Take the lock blocking the thread (one-shot processes such as the CLI, where a stalled loop
// costs nothing). True when held, false at the deadline. A deadline in the past = one attempt.
export function acquireSync(fd: number, mode: LockMode, deadline: number): boolean {
  if (tryFlock(fd, mode)) return true;
  if (deadline === Infinity) {
    // The kernel queues us and wakes us on release: the best hand-off, no polling.
    for (;;) {
      try {
        flockSync(fd, mode);
        return true;
      } catch (err) {
        if (!isInterrupted(err)) throw err;
      }
    }
  }
  // A blocking flock cannot time out, so poll the non-blocking form with a growing sleep.
  let delay = BACKOFF_FIRST_MS;
  for (;;) {
    const left = remaining(deadline);
    if (left <= 0) return false;
    sleepSync(Math.min(delay, left));
    delay = nextBackoff(delay);
    if (tryFlock(fd, mode)) return true;
  }
}
