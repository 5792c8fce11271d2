import path from 'node:path';
import { RunstateError, isRunstateError } from '../errors.js';
import { containerDir, lockPath, validateId } from '../paths.js';
import { acquireAsync } from './acquire-async.js';
import { acquireSync, type LockMode } from './acquire-sync.js';
import { checkLockFile, openLockFile, type FileId, type LockFileHandle } from './lock-file.js';
import { flockSync } from './flock.js';
import { deletedWhileWaitingError, lockChurnError, lockTimeoutError } from './lock-errors.js';
import { KeyedQueue } from './keyed-queue.js';
import { openCount } from './open-lock-files.js';
import { defaultMaxPoolWaiters } from './pool-gate.js';

export type { LockMode };

/** The verified lock passed to the function run under it. */
export interface HeldLock {
  /** Descriptor of the lock file (read-only; closed after the function returns). */
  fd: number;
  /** Inode of the lock file, checked to be the one at the lock path once the lock was held. */
  ino: number;
  /**
   * The lock file's generation (its length), which grows before any change that makes the
   * container's paths name other files. Equal to the one seen at an earlier hold of the same
   * container: descriptors opened by path then still name the same files.
   */
  generation: number;
  /**
   * True when this acquisition looked the container's paths up (a new descriptor, or a changed
   * generation). False: the descriptor is the one of the previous hold, open ever since, and its
   * file's generation is unchanged — what was checked then still holds.
   */
  pathsChecked: boolean;
}

/** What a {@link LockManager} has waited for its locks, since it was made. */
export interface LockStats {
  /** Locks taken. */
  acquired: number;
  /** Calls that gave up waiting (`ELOCKTIMEOUT`). */
  timedOut: number;
  /** Time from each call to its lock being held, or to its timeout (in-process queue and flock), summed, in ms. */
  waitedMs: number;
  /** The longest of those waits, in ms. */
  maxWaitMs: number;
}

/** Options of {@link LockManager}. */
export interface LockManagerOptions {
  /** Longest wait for a lock, in ms. Default 30000; 0 = try once; Infinity = wait forever. */
  timeoutMs?: number;
  /** Block the thread while waiting (one-shot CLI processes). Default false: never stall the loop. */
  sync?: boolean;
  /** Most blocking waits on libuv pool threads at once, process-wide. Default floor(pool size / 2); 0 = always poll. */
  maxPoolWaiters?: number;
}

/** Options of one {@link LockManager.withLock} call. */
export interface WithLockOptions {
  /** Overrides the manager's timeout for this call. */
  timeoutMs?: number;
}

/** Default lock timeout, in ms. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

// Longer waits than Node's largest timer (~24.8 days) are treated as waiting forever.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A lock held: its descriptor, the lock file's identity, and whether its paths were looked up again. */
interface Acquired {
  handle: LockFileHandle;
  ino: number;
  fileId: FileId;
  looked: boolean;
}

// Idle lock descriptors kept per manager (one per container, least recently used closed first).
const MAX_IDLE = 128;

// Container paths remembered per manager (the map is simply emptied when full).
const MAX_PATHS = 1024;

// Validate a timeout option; programmer mistakes are TypeErrors, not error codes.
function normalizeTimeout(ms: unknown, name: string): number {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new TypeError(`${name} must be a number >= 0 (ms) or Infinity, got ${String(ms)}`);
  }
  return ms > MAX_TIMER_MS ? Infinity : ms;
}

/**
 * Takes per-container `flock`s on `<dir>/lock`, one at a time per container within this manager.
 *
 * flock conflicts between two open file descriptions of the same process, so work on one
 * container is queued in-process before the flock is taken (all modes queue, `sh` included).
 * The queue is per manager: two managers of one process on one container are still excluded
 * by the kernel lock, and the second simply waits for the first to release. A process that
 * dies while holding a lock loses it at once (the kernel releases it), so locks never go stale.
 *
 * @example
 * const locks = new LockManager({ timeoutMs: 5000 });
 * await locks.withLock('/run/runstate/web', 'ex', async ({ ino }) => appendEvent());
 */
export class LockManager {
  /** Default wait per call, in ms. */
  readonly timeoutMs: number;
  /** True when waits block the thread. */
  readonly sync: boolean;
  /** Cap on blocking waits in libuv's pool (process-wide count). */
  readonly maxPoolWaiters: number;
  readonly #queue = new KeyedQueue();
  // Unlocked descriptors kept from earlier acquisitions: the next one waits on the same descriptor
  // and, when the lock file's generation is unchanged, checks it with one fstat instead of open,
  // fstat, two lstats and close. Only this manager uses them, and its in-process queue lets one
  // call at a time near a given file.
  readonly #idle = new Map<string, { handle: LockFileHandle; id: FileId }>();
  readonly #pathsOf = new Map<string, { file: string; id: string; abs: string }>();
  readonly #stats: LockStats = { acquired: 0, timedOut: 0, waitedMs: 0, maxWaitMs: 0 };
  #closed = false;

  constructor(options: LockManagerOptions = {}) {
    this.timeoutMs = normalizeTimeout(options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, 'timeoutMs');
    this.sync = options.sync ?? false;
    const max = options.maxPoolWaiters ?? defaultMaxPoolWaiters();
    if (!Number.isInteger(max) || max < 0) {
      throw new TypeError(`maxPoolWaiters must be an integer >= 0, got ${String(max)}`);
    }
    this.maxPoolWaiters = max;
  }

  /**
   * Run `fn` while holding the lock of the container in `dir`, then release it (also when `fn` throws).
   *
   * The timeout covers the whole wait: the in-process queue and the flock. `fn` runs only with a
   * verified lock: the locked file is still the one at the lock path (not deleted or replaced meanwhile).
   *
   * @param dir - the container directory; its lock file is `lockPath(parent, basename)`.
   * @param mode - `ex` for any write, `sh` for reads.
   * @param fn - the work; receives the held lock's fd and inode.
   * @returns what `fn` returns.
   * @throws ELOCKTIMEOUT when the lock is not obtained within the timeout.
   * @throws ENOTFOUND when the container does not exist or was deleted while waiting.
   * @throws EUNSAFEPATH when the lock file or the container directory is a symlink.
   * @throws ENOLOCK when fs-ext's native addon is missing.
   * @example
   * const n = await locks.withLock(dir, 'sh', () => readState(dir), { timeoutMs: 0 });
   */
  async withLock<T>(
    dir: string, mode: LockMode, fn: (held: HeldLock) => T | Promise<T>, opts: WithLockOptions = {},
  ): Promise<T> {
    return this.withLockThen(dir, mode, fn, (value) => value, opts);
  }

  /**
   * {@link withLock}, then `then(result)` after the flock is released but before the next call of
   * this manager on the same container starts: work that must follow the locked part in this
   * process's order (updating what it knows of the container) without holding up other processes.
   *
   * @returns what `then` returns.
   * @example
   * await locks.withLockThen(dir, 'ex', () => append(), (framed) => (cache = fold(framed)));
   */
  async withLockThen<T, R>(
    dir: string, mode: LockMode, fn: (held: HeldLock) => T | Promise<T>, then: (value: T) => R | Promise<R>,
    opts: WithLockOptions = {},
  ): Promise<R> {
    if (this.#closed) throw new RunstateError('ECLOSED', 'the lock manager is closed: no lock is taken after close()');
    if (mode !== 'ex' && mode !== 'sh') throw new TypeError(`lock mode must be "ex" or "sh", got ${String(mode)}`);
    if (typeof fn !== 'function') throw new TypeError('withLock needs a function to run under the lock');
    const timeoutMs = opts.timeoutMs === undefined ? this.timeoutMs : normalizeTimeout(opts.timeoutMs, 'timeoutMs');
    const start = performance.now();
    const deadline = start + timeoutMs;
    const { file, id, abs } = this.#paths(dir);

    const leave = await this.#queue.enter(file, deadline);
    if (leave === undefined) {
      this.#count(performance.now() - start, false);
      throw lockTimeoutError(id, file, timeoutMs, true);
    }
    try {
      let acquired: Acquired;
      try {
        acquired = await this.#acquire(abs, file, id, mode, deadline, timeoutMs);
      } catch (err) {
        if (isRunstateError(err, 'ELOCKTIMEOUT')) this.#count(performance.now() - start, false);
        throw err;
      }
      const { handle, ino, fileId, looked } = acquired;
      this.#count(performance.now() - start, true);
      let value: T;
      try {
        value = await fn({ fd: handle.fd, ino, generation: fileId.gen, pathsChecked: looked });
      } finally {
        this.#park(file, handle, fileId);
      }
      return await then(value);
    } finally {
      // After the flock is released: the next in-process entry opens its own fd, which would
      // conflict with ours if we still held it.
      leave();
    }
  }

  /** How many locks this manager took and how long it waited for them (a copy). */
  stats(): LockStats {
    return { ...this.#stats };
  }

  #count(waitedMs: number, acquired: boolean): void {
    const s = this.#stats;
    if (acquired) s.acquired++;
    else s.timedOut++;
    s.waitedMs += waitedMs;
    if (waitedMs > s.maxWaitMs) s.maxWaitMs = waitedMs;
  }

  // The lock file and id of a container directory, remembered: deriving them costs more than a flock.
  #paths(dir: string): { file: string; id: string; abs: string } {
    let p = this.#pathsOf.get(dir);
    if (p === undefined) {
      const abs = path.resolve(dir);
      const id = path.basename(abs);
      p = { abs, id, file: lockPath(path.dirname(abs), id) };
      if (this.#pathsOf.size >= MAX_PATHS) this.#pathsOf.clear();
      this.#pathsOf.set(dir, p);
    }
    return p;
  }

  /**
   * Wait for all queued work, then refuse further calls.
   *
   * @returns once every `withLock` started before has settled.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue.drain();
    for (const { handle } of this.#idle.values()) handle.close();
    this.#idle.clear();
  }

  // Unlock a handle and keep its descriptor for the next acquisition of the same file.
  #park(file: string, handle: LockFileHandle, fileId: FileId): void {
    if (this.#closed || this.#idle.has(file)) {
      handle.release();
      return;
    }
    try {
      flockSync(handle.fd, 'un');
    } catch {
      handle.close(); // closing releases the lock as well
      return;
    }
    this.#idle.set(file, { handle, id: fileId });
    if (this.#idle.size > MAX_IDLE) {
      const [oldest, entry] = this.#idle.entries().next().value!;
      this.#idle.delete(oldest);
      entry.handle.close();
    }
  }

  // Open (or take the idle descriptor), lock, verify; retry when the lock file was replaced while we
  // waited. An idle descriptor that no longer names the container is dropped for a fresh one.
  async #acquire(
    dir: string, file: string, id: string, mode: LockMode, deadline: number, timeoutMs: number,
  ): Promise<Acquired> {
    let idle = this.#idle.get(file);
    if (idle) this.#idle.delete(file);
    for (let tries = 1; ; tries++) {
      // A dedicated descriptor per acquisition (kept idle between them): flock belongs to the open
      // file description, so it can be unlocked or abandoned without touching any other holder.
      const handle = idle?.handle ?? openLockFile(file, id);
      const known = idle?.id;
      idle = undefined;
      let result;
      try {
        // Sync mode blocks only when this process has no other descriptor of the file: otherwise
        // the holder may be another manager here, which could never release on a blocked loop.
        result = this.sync && openCount(file) === 1
          ? (acquireSync(handle.fd, mode, deadline) ? 'held' : 'timeout')
          : await acquireAsync(handle, mode, deadline, this.maxPoolWaiters);
      } catch (err) {
        handle.close();
        throw err;
      }
      if (result !== 'held') {
        // 'abandoned': the pending pool wait owns the handle and closes it when flock returns.
        if (result === 'timeout') handle.close();
        throw lockTimeoutError(id, file, timeoutMs, false);
      }
      let check;
      try {
        check = checkLockFile(handle.fd, dir, file, id, known);
      } catch (err) {
        handle.release();
        throw err;
      }
      if (check.kind === 'same') return { handle, ino: check.ino, fileId: check.id, looked: check.looked };
      handle.release();
      // A kept descriptor outlived its file: start over from the path, which says what exists now.
      if (known) continue;
      // Never write into a dead directory (invariant 8).
      if (check.kind === 'gone') throw deletedWhileWaitingError(id, file);
      // Deleted and re-created while we waited: the lock of the container now at the path is the
      // one to take, for as long as the timeout allows (each turn took a lock, so churn progresses).
      if (performance.now() >= deadline) throw lockChurnError(id, file, tries, timeoutMs);
    }
  }
}

/**
 * Run `fn` under the lock of container `id` in `root`: the path comes from `lockPath`, the one
 * function that derives it.
 *
 * @returns what `fn` returns.
 * @throws EINVALIDID for a bad id; otherwise as {@link LockManager.withLock}.
 * @example
 * await withContainerLock(locks, root, 'web', 'ex', () => appendEvent());
 */
export function withContainerLock<T>(
  manager: LockManager, root: string, id: string, mode: LockMode,
  fn: (held: HeldLock) => T | Promise<T>, opts?: WithLockOptions,
): Promise<T> {
  validateId(id);
  return manager.withLock(containerDir(root, id), mode, fn, opts);
}
