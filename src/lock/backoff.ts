/** First delay between two non-blocking lock attempts, in ms. */
export const BACKOFF_FIRST_MS = 0.2;

/** Longest delay between two attempts, in ms: bounds how late a poller notices a release. */
export const BACKOFF_MAX_MS = 10;

// Double a poll delay up to the cap: short holds are picked up fast, long ones cost little CPU.
export function nextBackoff(ms: number): number {
  return Math.min(ms * 2, BACKOFF_MAX_MS);
}

const cell = new Int32Array(new SharedArrayBuffer(4));

// Sleep the thread without spinning: only for sync mode, where the caller chose to block the loop.
export function sleepSync(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}

// Sleep without blocking the event loop. Node timers have 1 ms granularity: sub-ms delays round up.
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Milliseconds left until a deadline on the performance.now() clock (Infinity stays Infinity).
export function remaining(deadline: number): number {
  return deadline - performance.now();
}
