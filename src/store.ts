import fs from 'node:fs';
import path from 'node:path';
import { RunstateError, isRunstateError } from './errors.js';
import type { ContainerState, StoredEvent } from './events/types.js';
import { LockManager, type LockStats } from './lock/container-lock.js';
import type {
  CompactOptions, CreateOptions, DeleteOptions, Durability, ExitOptions, HistoryOptions, ListEntry, ProjectionMode,
  PurgeAllOptions, PurgeOptions, ReplayOptions, StartOptions, StoreOptions, VerifyReport,
} from './options.js';
import { FILES, containerDir, defaultRoot, lockPath, validateId } from './paths.js';
import { bumpLockGeneration } from './lock/lock-file.js';
import { decide } from './projection/decide.js';
import { foldFrom, type Head } from './projection/head.js';
import { metaText, writeMeta, writeMetaAsync } from './projection/meta.js';
import { parseSignal } from './process/signals.js';
import { createContainer } from './store/create.js';
import { deletedDir, listDeleted, purgedWhileReading, type DeletedContainer } from './store/deleted.js';
import { compactContainer, type CompactResult } from './store/compact.js';
import { ensureRoot, rootNotDir } from './store/fs-safe.js';
import { collectEvents, parseTime, replayTo } from './store/history.js';
import { purgeAllDeleted, purgeDeleted } from './store/purge.js';
import { loadHead, metaBase, readHeadUnlocked } from './store/read.js';
import { LogCache } from './store/log-cache.js';
import { historyDir, historyParent, moveToHistory } from './store/remove.js';
import { checkAnnotationKey, checkCreate, checkPid, checkText } from './store/input.js';
import { verifyContainer } from './store/verify.js';
import { appendAt, flush, frameAfter, headAfter, prepare, truncateTail } from './store/write.js';
import type { PreparedEvent } from './events/encode.js';
import type { OpenLog } from './events/log.js';
import type { Observable } from 'rxjs';
import { failedWatch, watchEvents, type WatchOptions } from './store/watch.js';

/** Bytes read at a cached head's end: what a few other writers append between two of ours. */
const TAIL_READ = 4096;
/**
 * A store this far behind the log's end (others appended much since its last transition) starts from
 * meta.json when that is ahead of its own head, under the lock: reading and checking it (~50 µs)
 * costs less than folding the ~550 records this many bytes hold, and writers keep it close to the end.
 */
const META_CATCH_UP = 64 * 1024;

/** Container directories remembered per store (the map is simply emptied when full). */
const MAX_DIRS = 1024;

/**
 * Events meta.json may lag the log by default. A refresh costs a contended writer far more than a
 * transition (bench/README.md: at 64, hot K = 8 at none ran 18% slower), and a reader folds up to
 * this many records (256 cost a cold `runstate state` ~2 ms more than 64).
 */
const DEFAULT_PROJECTION_LAG = 256;

// Bounds (of projectionLag events) meta.json may fall behind while this process's refresh of it is
// still in flight, before the refresh is written on the calling thread instead (see #refresh).
const STARVED_BOUNDS = 2;

/** A head this process knows, and the seq of the meta.json it was loaded from (-1: none usable). */
interface CachedHead {
  head: Head;
  metaSeq: number;
}

/**
 * An open runstate store: the containers under one root directory.
 * Safe to use from many processes at once; each call is atomic.
 */
export class Store {
  /** The state directory. */
  readonly root: string;
  /** How hard an acknowledged transition is pushed to disk. */
  readonly durability: Durability;
  readonly #projection: ProjectionMode;
  readonly #lag: number;
  readonly #locks: LockManager;
  readonly #syncLock: boolean;
  // Heads this process has read under the lock, so the next transition folds only what others appended since.
  readonly #heads = new Map<string, CachedHead>();
  // Active-log descriptors kept open between transitions.
  readonly #logs = new LogCache();
  // Read at a cached head's end: what others appended since (see #headUnderLock).
  readonly #tail = Buffer.allocUnsafe(TAIL_READ);
  // Directories of the ids seen, by id (only valid ids are added).
  readonly #dirs = new Map<string, string>();
  // meta.json refreshes in flight, by container directory: when done, and the seq of the newest
  // refresh this process began or wrote since.
  readonly #refreshing = new Map<string, { done: Promise<void>; seq: number; lockIno: number }>();
  #closed = false;
  #closing: Promise<void> | null = null;
  // Aborted by close(): ends this store's watches.
  readonly #closeSignal = new AbortController();
  // Calls begun and not settled, and what close() waits on for them to end.
  #calls = 0;
  #idle: (() => void) | null = null;

  // Options are checked as the rest of the API is: a wrong type or range is a TypeError, an unknown
  // mode (often read from a configuration) is EINVALID.
  constructor(options: StoreOptions = {}) {
    const { root, durability = 'fsync', projection = 'lazy', projectionLag = DEFAULT_PROJECTION_LAG, syncLock = false } = options;
    if (root !== undefined && (typeof root !== 'string' || root === '')) throw new TypeError(`root must be a non-empty string, got ${JSON.stringify(root)}`);
    this.root = path.resolve(root ?? defaultRoot());
    if (durability !== 'fsync' && durability !== 'none') {
      throw new RunstateError('EINVALID', `unknown durability ${JSON.stringify(durability)}: use "fsync" or "none"`);
    }
    this.durability = durability;
    if (projection !== 'lazy' && projection !== 'eager') {
      throw new RunstateError('EINVALID', `unknown projection ${JSON.stringify(projection)}: use "lazy" or "eager"`);
    }
    this.#projection = projection;
    if (!Number.isSafeInteger(projectionLag) || projectionLag < 1) {
      throw new TypeError(`projectionLag must be a whole number of events >= 1, got ${String(projectionLag)}`);
    }
    this.#lag = projectionLag;
    if (typeof syncLock !== 'boolean') throw new TypeError(`syncLock must be true or false, got ${String(syncLock)}`);
    this.#syncLock = syncLock;
    // The lock manager's own default applies when no timeout is given (30 s).
    this.#locks = new LockManager({ ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}), sync: this.#syncLock });
  }

  /**
   * Create a container in status `created`.
   * @returns the new state.
   * @throws `EEXIST` if the id is taken, `EINVALIDID`, `ETOOLARGE`, `EINVALID`.
   * @example await store.create('web', { bundle: '/srv/web', annotations: { team: 'a' } })
   */
  async create(id: string, options: CreateOptions = {}): Promise<ContainerState> {
    const leave = this.#enter();
    try {
      validateId(id);
      const data = checkCreate(id, options);
      ensureRoot(this.root);
      try {
        return createContainer(this.root, id, data, this.durability === 'fsync');
      } catch (err) {
        // The id may be held by a container whose delete was recorded but whose move was cut short
        // (a crash between the two): finish that delete, then create once more.
        if (!isRunstateError(err, 'EEXIST') || !(await this.#finishDelete(id))) throw err;
        return createContainer(this.root, id, data, this.durability === 'fsync');
      }
    } finally {
      leave();
    }
  }

  /**
   * Record that the container's process started (`created` → `running`).
   * When `pid` is given without `pidStart`, the start time is read from /proc. Without `pid`, the
   * pid and start time given at `create` are kept (0 when none was).
   * @throws `ENOTFOUND`, `EBADTRANSITION`, `ELOCKTIMEOUT`.
   */
  async start(id: string, options: StartOptions = {}): Promise<ContainerState> {
    const leave = this.#enter();
    try {
      const { pid } = options;
      if (pid === undefined) {
        if (options.pidStart !== undefined) throw new TypeError('pidStart is the start time of pid: give pid with it');
        return await this.#transact(id, (s) => {
          decide(id, s, 'started');
          return [prepare({ type: 'started', data: { pid: s!.pid, pidStart: s!.pidStart } })];
        });
      }
      const pidStart = checkPid(pid, options.pidStart);
      const started = prepare({ type: 'started', data: { pid, pidStart } });
      return await this.#transact(id, (s) => {
        decide(id, s, 'started');
        return [started];
      });
    } finally {
      leave();
    }
  }

  /** Record a pause (`running` → `paused`). @throws `EBADTRANSITION` from any other status. */
  async pause(id: string): Promise<ContainerState> {
    return this.#simple(id, 'paused');
  }

  /** Record a resume (`paused` → `running`). @throws `EBADTRANSITION` from any other status. */
  async resume(id: string): Promise<ContainerState> {
    return this.#simple(id, 'resumed');
  }

  /**
   * Record that a signal was sent. The status turns `stopped` only with `exited`, except for a
   * container without a process (pid 0), which is recorded as exited at once.
   * @throws `EINVALID` for an unknown signal, `EBADTRANSITION` when stopped.
   * @example await store.kill('web', 'TERM')
   */
  async kill(id: string, signal: string | number = 'SIGTERM'): Promise<ContainerState> {
    const leave = this.#enter();
    try {
      const name = parseSignal(signal);
      const killed = prepare({ type: 'killed', data: { signal: name } });
      const exited = prepare({ type: 'exited', data: { signal: name } });
      return await this.#transact(id, (s) => {
        decide(id, s, 'killed');
        return s!.pid === 0 ? [killed, exited] : [killed];
      });
    } finally {
      leave();
    }
  }

  /**
   * Record that the process is gone (→ `stopped`).
   * @throws `EBADTRANSITION` when already stopped, or when `ifPid`/`ifPidStart` no longer match.
   * @example await store.exited('web', { code: 0, ifPid: 4242 })
   */
  async exited(id: string, options: ExitOptions = {}): Promise<ContainerState> {
    const leave = this.#enter();
    try {
      const data: { code?: number; signal?: string } = {};
      if (options.code !== undefined) {
        if (!Number.isSafeInteger(options.code)) throw new TypeError(`exit code must be a safe integer, got ${String(options.code)}`);
        data.code = options.code;
      }
      if (options.signal !== undefined) data.signal = parseSignal(options.signal);
      const { ifPid, ifPidStart } = options;
      const exited = prepare({ type: 'exited', data });
      return await this.#transact(id, (s) => {
        decide(id, s, 'exited');
        if ((ifPid !== undefined && s!.pid !== ifPid) || (ifPidStart !== undefined && s!.pidStart !== ifPidStart)) {
          throw new RunstateError('EBADTRANSITION',
            `cannot record the exit of pid ${String(ifPid)} for container "${id}": it now runs pid ${s!.pid}`, { id, status: s!.status });
        }
        return [exited];
      });
    } finally {
      leave();
    }
  }

  /** Set annotations (a `null` value removes a key), in any status. */
  async annotate(id: string, annotations: Record<string, string | null>): Promise<ContainerState> {
    const leave = this.#enter();
    try {
      const annotated = prepare({ type: 'annotated', data: { annotations: checkAnnotationsPatch(annotations) } });
      return await this.#transact(id, (s) => {
        decide(id, s, 'annotated');
        return [annotated];
      });
    } finally {
      leave();
    }
  }

  /**
   * Delete a container: records `deleted`, then moves its directory to `<root>/.history/<id>/`,
   * where its log stays readable. The id can be reused at once.
   * @throws `EBADTRANSITION` unless `created` or `stopped` (or `force`).
   */
  async delete(id: string, options: DeleteOptions = {}): Promise<ContainerState> {
    const leave = this.#enter();
    try {
      const force = options.force === true;
      const dir = containerDir(this.root, validateId(id));
      // This process's own meta.json refresh is done before the directory moves.
      await this.#refreshing.get(dir)?.done;
      const deleted = prepare({ type: 'deleted', data: force ? { force } : {} });
      return await this.#transact(id, (s) => {
        decide(id, s, 'deleted', force);
        // Where the move goes is made and checked (no symlink) before the deleted record is appended.
        historyParent(this.root, id);
        // Already recorded by a delete whose move failed: finish the move, append nothing.
        return s!.deleted !== undefined ? [] : [deleted];
      }, (head, log) => this.#moveDeleted(id, dir, head, log));
    } finally {
      leave();
    }
  }

  // After `deleted` is appended (or found): make it durable, then move the directory to history.
  #moveDeleted(id: string, dir: string, head: Head, log: OpenLog): void {
    // Flush before the move: the deleted record must be durable wherever the directory ends up.
    if (this.durability === 'fsync') fs.fdatasyncSync(log.fd);
    // The directory is about to move: other processes' kept descriptors must look the paths up again.
    bumpLockGeneration(lockPath(this.root, id));
    moveToHistory(this.root, id, dir, historyDir(this.root, id, head.state, head.pos.logId), this.durability === 'fsync');
    this.#heads.delete(dir);
  }

  // Finish the delete of a container recorded as deleted but still in place; false (nothing done)
  // when the container at the id is a live one, or none.
  async #finishDelete(id: string): Promise<boolean> {
    const dir = this.#dir(id);
    let finished = false;
    try {
      await this.#transact(id, (s) => {
        if (s === null || s.deleted === undefined) return [];
        historyParent(this.root, id);
        finished = true;
        return [];
      }, (head, log) => {
        if (finished) this.#moveDeleted(id, dir, head, log);
      });
    } catch (err) {
      if (isRunstateError(err, 'ENOTFOUND')) return false;
      throw err;
    }
    return finished;
  }

  /**
   * The current state, read without blocking writers or other readers.
   * @throws `ENOTFOUND`, `ECORRUPT` (damage before the log's tail).
   */
  async state(id: string): Promise<ContainerState> {
    const leave = this.#enter();
    try {
      return await this.#stateOf(id);
    } finally {
      leave();
    }
  }

  async #stateOf(id: string): Promise<ContainerState> {
    const { state } = (await this.#read(id)).head;
    if (state.deleted !== undefined) throw new RunstateError('ENOTFOUND', `container "${id}" was deleted`, { id });
    return state;
  }

  /** Every container under the root; one that cannot be loaded is listed with its error. */
  async list(): Promise<ListEntry[]> {
    const leave = this.#enter();
    try {
      let names: string[];
      try {
        names = fs.readdirSync(this.root);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw rootNotDir(this.root, err);
        throw err;
      }
      const out: ListEntry[] = [];
      for (const name of names.sort()) {
        if (name.startsWith('.')) continue;
        try {
          out.push(await this.#stateOf(name));
        } catch (err) {
          const code = isRunstateError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? 'EIO');
          if (code === 'ENOTFOUND') continue; // deleted while listing
          out.push({ id: name, status: 'unknown', error: { code, message: (err as Error).message } });
        }
      }
      return out;
    } finally {
      leave();
    }
  }

  /**
   * The stored events of a container, oldest first; `fromSeq`/`toSeq` are inclusive, and without
   * `fromSeq` the events start at the oldest one kept. With `deleted`, those of a deleted container
   * of that id (see {@link deleted}).
   * @returns the events, as `StoredEvent`s.
   * @throws `ENOTFOUND` (no such container, or no such deleted one), `EINVALID` (a bad `deleted`
   * ref), `EPRUNED` (a `fromSeq` among events removed by retention), `ECORRUPT`.
   * @example await store.history('web', { fromSeq: 5 })
   * @example await store.history('web', { deleted: 'latest' })
   */
  async history(id: string, options: HistoryOptions = {}): Promise<StoredEvent[]> {
    return this.#readFiles(id, options.deleted, (dir) => collectEvents(dir, id, options));
  }

  /**
   * The deleted containers of an id whose history is kept (under `<root>/.history/<id>/`), oldest
   * first. Their events stay readable with `history(id, { deleted: ref })` and `replay`.
   * @returns one entry per kept container, `{ id, ref, created, deleted, seq }` (with `error` set, and
   * the times null, for one whose files cannot be read); empty when none is kept.
   * @throws `EINVALIDID`, `EUNSAFEPATH` (a symlink where `.history/<id>` should be).
   * @example (await store.deleted('web')).map((d) => d.ref)
   */
  async deleted(id: string): Promise<DeletedContainer[]> {
    const leave = this.#enter();
    try {
      return listDeleted(this.root, validateId(id));
    } finally {
      leave();
    }
  }

  /**
   * Remove the kept histories of deleted containers of an id (see {@link deleted}): the one `ref`
   * names, or all of them; with `before`, only those deleted before that time. A live container of
   * the id is never touched. Each is renamed away first, then removed: a reader of it meanwhile gets
   * `ENOTFOUND`, and a delete of the id meanwhile keeps its own.
   * @returns what was removed, as `deleted(id)` listed it, oldest first; empty when nothing matched.
   * @throws `EINVALIDID`, `ENOTFOUND` (no such `ref` is kept), `EINVALID` (a bad `ref` or `before`),
   * `EUNSAFEPATH` (a symlink where `.history/<id>` should be).
   * @example await store.purge('web', { before: Date.now() - 7 * 86_400_000 })
   */
  async purge(id: string, options: PurgeOptions = {}): Promise<DeletedContainer[]> {
    const leave = this.#enter();
    try {
      validateId(id);
      if (options === null || typeof options !== 'object') throw new TypeError('purge options must be an object');
      const { ref } = options;
      if (ref !== undefined && typeof ref !== 'string') throw new TypeError(`ref must be a string, got ${ref === null ? 'null' : typeof ref}`);
      const before = options.before === undefined ? undefined : parseTime(options.before, 'before');
      return purgeDeleted(this.root, id, ref, before);
    } finally {
      leave();
    }
  }

  /**
   * {@link purge} for every id whose deleted containers are kept: all their histories, or those
   * deleted before `before`.
   * @returns what was removed, by id, then oldest first.
   * @throws `EINVALID` (a bad `before`), `EUNSAFEPATH` (an entry of `.history` that is a symlink or a
   * file: nothing is removed then).
   * @example await store.purgeAll({ before: '2024-05-01T00:00:00Z' })
   */
  async purgeAll(options: PurgeAllOptions = {}): Promise<DeletedContainer[]> {
    const leave = this.#enter();
    try {
      if (options === null || typeof options !== 'object') throw new TypeError('purgeAll options must be an object');
      const before = options.before === undefined ? undefined : parseTime(options.before, 'before');
      return purgeAllDeleted(this.root, before);
    } finally {
      leave();
    }
  }

  /**
   * The state as it was at a seq, or after the last event at or before a time.
   * With `deleted`, of a deleted container of that id (see {@link deleted}).
   * @throws `EINVALID` for a point outside the history, `EPRUNED` for a point removed by retention.
   * @example await store.replay('web', { atSeq: 3 })
   * @example await store.replay('web', { deleted: 'latest', atTime: '2024-05-01T12:00:00Z' })
   */
  async replay(id: string, options: ReplayOptions): Promise<ContainerState> {
    return this.#readFiles(id, options.deleted, (dir) => replayTo(dir, id, options));
  }

  /**
   * Compact a container: seal the active log segment (kept under `segments/` for audit), make a
   * snapshot of the current state durable, and start a new empty segment that chains on from it.
   * Loading then costs O(events since the snapshot). `keepSegments` prunes all but that many
   * sealed segments; replaying to a pruned point is then `EPRUNED`.
   * @example await store.compact('web', { keepSegments: 4 })
   */
  async compact(id: string, options: CompactOptions = {}): Promise<CompactResult> {
    const leave = this.#enter();
    try {
      const { keepSegments } = options;
      if (keepSegments !== undefined && (!Number.isSafeInteger(keepSegments) || keepSegments < 0)) {
        throw new RunstateError('EINVALID', `keepSegments must be a non-negative integer, got ${String(keepSegments)}`);
      }
      const dir = this.#dir(id);
      return await this.#locks.withLock(dir, 'ex', (held) => {
        const log = this.#logs.acquire(dir, id, held);
        try {
          const { head } = this.#headUnderLock(log, dir);
          // A delete cut short before its move: the container is gone, only its move is left to do.
          if (head.state.deleted !== undefined) throw new RunstateError('ENOTFOUND', `container "${id}" was deleted`, { id });
          if (head.tail) truncateTail(log, head.pos.offset);
          // events.log is about to name a new file: other processes' kept descriptors must look again.
          bumpLockGeneration(lockPath(this.root, id));
          return compactContainer(id, dir, log, head, this.durability === 'fsync', keepSegments);
        } finally {
          // The active file is replaced: forget this process's view of it.
          this.#heads.delete(dir);
          this.#logs.retire(dir);
          this.#logs.release(log);
        }
      });
    } finally {
      leave();
    }
  }

  /**
   * Stream a container's events: the stored ones from `fromSeq` (default: the oldest kept), then live ones as any
   * process appends them, in order, with no gaps and no duplicates. Completes after `deleted`, or when
   * the store is closed (after the events appended until then; the last event tells which).
   * @example store.watch('web', { fromSeq: 5 }).subscribe((e) => console.log(e.seq, e.type))
   */
  watch(id: string, options: WatchOptions = {}): Observable<StoredEvent> {
    let dir: string;
    try {
      this.#ensureOpen();
      dir = this.#dir(id);
    } catch (err) {
      return failedWatch(err);
    }
    return watchEvents(dir, id, options, this.#closeSignal.signal);
  }

  /** Check a container's log and projection; never throws for damage, reports it. */
  async verify(id: string): Promise<VerifyReport> {
    const leave = this.#enter();
    try {
      const dir = this.#dir(id);
      await this.#refreshing.get(dir)?.done; // this process's own projection refresh, landed first
      return await this.#locks.withLock(dir, 'sh', () => verifyContainer(dir, id));
    } finally {
      leave();
    }
  }

  /**
   * How long this store's calls waited for container locks (the in-process queue and `flock`),
   * since it was opened: a measure of contention for monitoring. Reads take no lock and are not counted.
   * @returns `{ acquired, waitedMs, maxWaitMs }`.
   * @example const { acquired, waitedMs } = store.lockStats(); console.log(waitedMs / acquired)
   */
  lockStats(): LockStats {
    return this.#locks.stats();
  }

  /** Wait for work in flight and release resources. Later calls fail with `ECLOSED`; closing again waits for the first close. */
  close(): Promise<void> {
    this.#closed = true;
    if (!this.#closeSignal.signal.aborted) this.#closeSignal.abort(this.#closedError());
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    // Calls that began before close() finish first, with the locks they may still need.
    if (this.#calls > 0) await new Promise<void>((resolve) => { this.#idle = resolve; });
    await this.#locks.close();
    const refreshing = [...this.#refreshing];
    await Promise.all(refreshing.map(([, r]) => r.done));
    // A loop that starved its refreshes (see #refresh) leaves meta.json up to STARVED_BOUNDS bounds
    // behind this process's last write: bring it that far once, so the next reader folds no more
    // than a bound's worth.
    for (const [dir, r] of refreshing) {
      const c = this.#heads.get(dir);
      if (c !== undefined && c.head.pos.seq - r.seq >= this.#lag) this.#writeProjection(dir, c.head.state, c.head.pos, r.lockIno);
    }
    this.#heads.clear();
    this.#logs.clear();
  }

  #ensureOpen(): void {
    if (this.#closed) throw this.#closedError();
  }

  #closedError(): RunstateError {
    return new RunstateError('ECLOSED', `this store of ${this.root} is closed: open another with openStore()`);
  }

  // A call begins: refused once close() has begun; close() waits for those that began before it.
  // Returns the call's end, to run when it settles (one function for all calls: no allocation).
  #enter(): () => void {
    this.#ensureOpen();
    this.#calls++;
    return this.#leave;
  }

  readonly #leave = (): void => {
    if (--this.#calls === 0) this.#idle?.();
  };

  // The directory of a valid id, remembered: validating and joining cost more than a flock.
  #dir(id: string): string {
    let dir = this.#dirs.get(id);
    if (dir === undefined) {
      dir = containerDir(this.root, validateId(id));
      if (this.#dirs.size >= MAX_DIRS) this.#dirs.clear();
      this.#dirs.set(id, dir);
    }
    return dir;
  }

  async #simple(id: string, type: 'paused' | 'resumed'): Promise<ContainerState> {
    const leave = this.#enter();
    const event = prepare({ type, data: {} });
    try {
      return await this.#transact(id, (s) => {
        decide(id, s, type);
        return [event];
      });
    } finally {
      leave();
    }
  }

  // Lock-free read; if it meets damage, read again under a shared lock, since a writer may have been
  // cutting a torn tail while we read. Damage still there under the lock is real.
  async #read(id: string): Promise<{ head: Head; metaSeq: number }> {
    const dir = this.#dir(id);
    return this.#withReadRetry(dir, () => readHeadUnlocked(dir, id));
  }

  // A read of a container's files, lock-free (see #withReadRetry); with `deleted`, of a deleted
  // container of the id, which nobody writes: its files are read as they are.
  async #readFiles<T>(id: string, deleted: string | undefined, read: (dir: string) => T): Promise<T> {
    const leave = this.#enter();
    try {
      if (deleted !== undefined) {
        const dir = deletedDir(this.root, validateId(id), deleted);
        try {
          return read(dir);
        } catch (err) {
          throw purgedWhileReading(err, dir, id);
        }
      }
      const dir = this.#dir(id);
      return await this.#withReadRetry(dir, () => read(dir));
    } finally {
      leave();
    }
  }

  async #withReadRetry<T>(dir: string, read: () => T): Promise<T> {
    try {
      return read();
    } catch (err) {
      if (!isRunstateError(err, 'ECORRUPT')) throw err;
      return this.#locks.withLock(dir, 'sh', read);
    }
  }

  // One transition: under the exclusive lock, bring the head up to date, let `plan` decide from it
  // (never from a state read before the lock), append, and release. Folding the new records into
  // the cached head, the meta.json refresh and the flush follow the release (the eager projection
  // and a delete's move need the new head under the lock, and fold it there).
  async #transact(
    id: string,
    plan: (state: ContainerState | null) => PreparedEvent[],
    after?: (head: Head, log: OpenLog) => void,
  ): Promise<ContainerState> {
    const dir = this.#dir(id);
    let log: OpenLog | undefined;
    try {
      const state = await this.#locks.withLockThen(dir, 'ex', (held) => {
        log = this.#logs.acquire(dir, id, held);
        const cached = this.#headUnderLock(log, dir);
        const { head } = cached;
        let events: PreparedEvent[];
        try {
          events = plan(head.state);
        } catch (err) {
          // A refusal leaves the log as it found it, which is now known up to its end: keep that, or
          // the next call would fold again all that others appended since this store last wrote.
          if (isRunstateError(err, 'EBADTRANSITION')) this.#heads.set(dir, cached);
          throw err;
        }
        if (head.tail) truncateTail(log, head.pos.offset);
        const framed = frameAfter(head, events);
        appendAt(log, framed.bytes, head.pos.offset);
        if (!after && this.#projection === 'lazy') return { framed, metaSeq: cached.metaSeq, next: null, lockIno: held.ino };
        const next: CachedHead = { head: headAfter(framed, log.ino), metaSeq: cached.metaSeq };
        if (after) after(next.head, log);
        else this.#project(dir, next);
        return { framed, metaSeq: next.metaSeq, next, lockIno: held.ino };
      }, ({ framed, metaSeq, next, lockIno }) => {
        if (after) {
          this.#logs.retire(dir);
          return next!.head.state;
        }
        const c = next ?? { head: headAfter(framed, log!.ino), metaSeq };
        this.#heads.set(dir, c);
        // A missing or unusable meta.json is repaired at once. Otherwise, whoever appends the record
        // whose seq is a multiple of projectionLag refreshes it in the background: one writer per
        // bound, whichever process it is, and no read of meta.json to find out whether it lags.
        if (c.metaSeq < 0) {
          this.#writeProjection(dir, c.head.state, c.head.pos, lockIno);
          c.metaSeq = c.head.pos.seq;
        } else if (this.#projection === 'lazy' && Math.floor(c.head.pos.seq / this.#lag) > Math.floor(framed.base.pos.seq / this.#lag)) {
          this.#refresh(dir, c, lockIno);
        }
        return c.head.state;
      });
      // The flush follows the release, so that writers in other processes share it. A sync-mode store
      // (a one-shot process) flushes on its own thread: two thread hand-offs cost it more than the wait.
      if (this.durability === 'fsync' && !after) {
        if (this.#syncLock) fs.fdatasyncSync(log!.fd);
        else await flush(log!.fd);
      }
      return state;
    } catch (err) {
      // A refused transition wrote nothing: what this process knows of the log still holds.
      // Anything else may have left it unsure, so start the next call from the files.
      if (!isRunstateError(err, 'EBADTRANSITION')) {
        this.#heads.delete(dir);
        this.#logs.retire(dir);
      }
      throw err;
    } finally {
      if (log) this.#logs.release(log);
    }
  }

  // The head under the exclusive lock: from this process's last head when it is of the same segment
  // (the segment only grows while the container lives), else from meta.json or the log's start.
  // Sets log.size, which a kept log's descriptor does not know.
  #headUnderLock(log: OpenLog, dir: string): CachedHead {
    const cached = this.#heads.get(dir);
    if (cached && cached.head.ino === log.ino && cached.head.pos.logId === log.header.logId) {
      const end = cached.head.pos.offset;
      if (cached.head.tail === null) {
        // One read at the head's end: nothing means the head is current as it is; a short read holds
        // everything others appended since (no one else writes while we hold the lock), folded from
        // the bytes read. Either way no fstat, whose Stats object costs more than the read.
        const n = fs.readSync(log.fd, this.#tail, 0, TAIL_READ, end);
        if (n === 0) {
          log.size = end;
          return cached;
        }
        if (n < TAIL_READ) {
          log.size = end + n;
          // A copy: what the fold returns must not share bytes with a buffer the next call reuses.
          return { head: foldFrom(log, cached.head, log.size, Buffer.from(this.#tail.subarray(0, n))), metaSeq: cached.metaSeq };
        }
      }
      log.size = fs.fstatSync(log.fd).size;
      if (end <= log.size) {
        const base = cached.head.tail === null && log.size - end > META_CATCH_UP ? metaBase(log, dir) : null;
        if (base !== null && base.pos.seq > cached.head.pos.seq) return { head: foldFrom(log, base), metaSeq: base.pos.seq };
        return { head: foldFrom(log, cached.head), metaSeq: cached.metaSeq };
      }
    } else log.size = fs.fstatSync(log.fd).size;
    return loadHead(log, dir);
  }

  // The eager projection: meta.json rewritten under the lock, so it is never behind the log for
  // readers that read it directly. (The lazy mode refreshes it after the release, in #refresh, once
  // it lags the log by `projectionLag` events: readers fold the short tail behind it, and a rename
  // costs more than a transition.)
  #project(dir: string, c: CachedHead): void {
    this.#writeProjection(dir, c.head.state, c.head.pos, null);
    c.metaSeq = c.head.pos.seq;
  }

  // The lazy refresh, off the lock and off the caller's path: writing the temp file and renaming it
  // over meta.json (the rename alone costs a few hundred µs on ext4, which flushes a file renamed
  // over another) run on libuv's pool. One refresh per container at a time (a bound passed while one
  // is in flight is left to the next, unless the loop is starved, below); close(), verify() and
  // delete() wait for this process's own.
  #refresh(dir: string, c: CachedHead, lockIno: number): void {
    const { state, pos } = c.head;
    const inFlight = this.#refreshing.get(dir);
    if (inFlight) {
      // A caller whose transitions all complete without waiting (an uncontended lock, back to back)
      // never lets the event loop finish the refresh in flight, and meta.json would stay where it
      // was for as long as the loop runs. Once it lags by STARVED_BOUNDS bounds, write it here: the
      // rename in flight then finds a newer refresh and leaves meta.json alone.
      if (pos.seq - inFlight.seq >= this.#lag * STARVED_BOUNDS) {
        this.#writeProjection(dir, state, pos, lockIno);
        inFlight.seq = pos.seq;
      }
      return;
    }
    const seq = pos.seq;
    // In the map before the write begins, which asks at once whether it is still wanted.
    const entry = { done: Promise.resolve(), seq, lockIno };
    this.#refreshing.set(dir, entry);
    // The text now: the state is also the caller's, who may change it once we return.
    entry.done = writeMetaAsync(dir, metaText(state, pos), () => this.#refreshing.get(dir)?.seq === seq && sameContainer(dir, lockIno))
      .catch(() => undefined) // only a stale cache, as in #writeProjection
      .finally(() => this.#refreshing.delete(dir));
  }

  // `lockIno`: null under the lock; after its release, the inode of the lock file that was held, so
  // that a container deleted and created anew at the same path meanwhile is left alone.
  #writeProjection(dir: string, state: ContainerState, pos: Head['pos'], lockIno: number | null): void {
    try {
      writeMeta(dir, state, pos, lockIno === null ? null : () => sameContainer(dir, lockIno));
    } catch {
      // The record is appended already; a projection that could not be written is only a stale
      // cache, which readers detect and fold past. Failing the acknowledged transition would lie.
    }
  }

}

// Whether a container directory is still the container whose lock file had inode `lockIno` (the
// lock file lives as long as its container): checked by a write made after the lock's release, just
// before it renames its file into place, since a delete and a create may have run in between.
function sameContainer(dir: string, lockIno: number): boolean {
  return fs.statSync(path.join(dir, FILES.lock), { throwIfNoEntry: false })?.ino === lockIno;
}

// Check an annotations patch: string keys, string or null values.
function checkAnnotationsPatch(annotations: Record<string, string | null>): Record<string, string | null> {
  if (annotations === null || typeof annotations !== 'object' || Array.isArray(annotations)) {
    throw new TypeError('annotations must be an object of strings');
  }
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(annotations)) {
    if (v !== null && typeof v !== 'string') throw new TypeError(`annotation ${JSON.stringify(k)} must be a string or null`);
    checkAnnotationKey(k);
    if (v !== null) checkText(`annotation ${JSON.stringify(k)}`, v);
    out[k] = v;
  }
  return out;
}

/**
 * Open a store. Creates nothing until the first `create`.
 * @example const store = await openStore({ root: '/run/runstate', durability: 'fsync' })
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  return new Store(options);
}
