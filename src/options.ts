import type { ContainerState, StoredEvent } from './events/types.js';

/** How hard an acknowledged transition is pushed to disk. */
export type Durability = 'fsync' | 'none';

/** When `meta.json` is rewritten. */
export type ProjectionMode = 'lazy' | 'eager';

/** Options of {@link openStore}. */
export interface StoreOptions {
  /** State directory. Default: see {@link defaultRoot}. */
  root?: string;
  /** `fsync` (default): a transition returns after its record is fdatasync'ed. `none`: no flush. */
  durability?: Durability;
  /** Give up waiting for a container's lock after this many ms (`ELOCKTIMEOUT`). Default 30000; 0 = try once; Infinity = wait forever. */
  lockTimeoutMs?: number;
  /** `lazy` (default): refresh `meta.json` at every seq that is a multiple of `projectionLag`, so it lags by fewer events than that. `eager`: on every transition. */
  projection?: ProjectionMode;
  /** Events the lazy projection may lag behind the log. Default 256. */
  projectionLag?: number;
  /** Block the thread (one-shot CLI processes): lock waits in `flockSync`, and with durability `fsync` the flush, instead of the async, non-stalling path. Default false. */
  syncLock?: boolean;
}

/** Options of `create`. */
export interface CreateOptions {
  bundle?: string;
  annotations?: Record<string, string>;
  /** Command (argv) to run at start; kept in the `created` event. */
  command?: string[];
  /** Process already running for this container (records it as created with a pid). */
  pid?: number;
  pidStart?: number;
}

/** Options of `start`. */
export interface StartOptions {
  pid?: number;
  /** Start time of `pid` (field 22 of /proc/<pid>/stat); read from /proc when omitted and pid is alive. */
  pidStart?: number;
}

/** Options of `exited`. */
export interface ExitOptions {
  code?: number;
  signal?: string;
  /**
   * Record the exit only if the container still runs this process (pid, and start time when
   * given); checked under the lock, so a supervisor that saw its child die cannot stop a
   * container that was deleted and re-created meanwhile. Else `EBADTRANSITION`.
   */
  ifPid?: number;
  ifPidStart?: number;
}

/** Options of `compact`. */
export interface CompactOptions {
  /** Keep at most this many sealed segments (oldest pruned first). Default: keep all. */
  keepSegments?: number;
}

/** Options of `delete`. */
export interface DeleteOptions {
  /** Delete whatever the status; the store does not signal processes itself. */
  force?: boolean;
}

/** Range of `history`. Both ends inclusive. */
export interface HistoryOptions {
  /** First seq (default: the oldest event kept; a fromSeq among events retention pruned is `EPRUNED`). */
  fromSeq?: number;
  toSeq?: number;
  /** Read a deleted container of this id: a `ref` from `deleted(id)`, or `latest` for the one deleted last. */
  deleted?: string;
}

/** Point of `replay`: a seq, or the last event at or before a time. */
export interface ReplayOptions {
  atSeq?: number;
  /** ISO-8601 string, Date, or ms since the epoch. */
  atTime?: string | Date | number;
  /** Replay a deleted container of this id: a `ref` from `deleted(id)`, or `latest`. */
  deleted?: string;
}

/** Which kept histories of deleted containers `purge` removes. */
export interface PurgeOptions {
  /** Only this one: a `ref` from `deleted(id)`, or `latest` for the one deleted last. Default: all of the id's. */
  ref?: string;
  /** Only those deleted before this time (ISO-8601 string, Date, or ms since the epoch); those deleted at or after it are kept. */
  before?: string | Date | number;
}

/** Which kept histories `purgeAll` removes. */
export interface PurgeAllOptions {
  /** Only those deleted before this time, as for `purge`. */
  before?: string | Date | number;
}

/** One problem found by `verify`. */
export interface VerifyProblem {
  code: string;
  file: string;
  offset?: number;
  seq?: number;
  message: string;
  /** `error` fails verification; `warning` (e.g. a torn tail awaiting truncation) does not. */
  severity: 'error' | 'warning';
}

/** Result of `verify`. */
export interface VerifyReport {
  id: string;
  ok: boolean;
  events: number;
  headSeq: number;
  problems: VerifyProblem[];
}

/** One row of `list`: a state, or a container that could not be loaded. */
export type ListEntry = ContainerState | BrokenEntry;

export type { ContainerState, StoredEvent };

/** A container `list` could not load, with the reason. */
export interface BrokenEntry {
  id: string;
  status: 'unknown';
  error: { code: string; message: string };
}
