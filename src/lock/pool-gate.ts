// Blocking flock waits occupying a libuv pool thread in this process. Process-wide, not per
// manager: every manager and every fs/crypto/dns call shares the same pool.
let inFlight = 0;

/** libuv's largest pool (MAX_THREADPOOL_SIZE). */
const MAX_POOL = 1024;

// Threads in libuv's pool, parsed as libuv does: unset = 4; set = atoi(value), where 0 (also
// for "" or junk) means 1, capped at 1024.
export function poolSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.UV_THREADPOOL_SIZE;
  if (raw === undefined) return 4;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) ? Math.min(Math.max(n, 1), MAX_POOL) : 1;
}

// Default cap on blocking waits: half the pool, so other fs work always has threads left.
// A 1-thread pool gets 0 (poll only): one blocking wait would take its only thread.
export function defaultMaxPoolWaiters(env: NodeJS.ProcessEnv = process.env): number {
  return Math.floor(poolSize(env) / 2);
}

// Blocking flock waits in the pool right now, abandoned (timed-out) ones included.
export function poolWaitersInFlight(): number {
  return inFlight;
}

// Take a pool slot if fewer than `max` are taken; the caller must give it back with releasePoolSlot.
export function tryTakePoolSlot(max: number): boolean {
  if (inFlight >= max) return false;
  inFlight++;
  return true;
}

// Give a slot back once the blocking flock has returned — not at a timeout: the thread stays busy until then.
export function releasePoolSlot(): void {
  inFlight--;
}
