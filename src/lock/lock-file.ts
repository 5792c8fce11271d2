import fs from 'node:fs';
import path from 'node:path';
import { notRealDir } from '../store/fs-safe.js';
import { flockSync } from './flock.js';
import { containerMissingError, unsafeLockPathError } from './lock-errors.js';
import { trackClose, trackOpen } from './open-lock-files.js';

// Read-only is enough for flock. O_NOFOLLOW refuses a symlinked lock file (invariant 10). No
// O_CREAT: a missing lock file means a missing container. Node has no O_CLOEXEC constant, but
// libuv adds O_CLOEXEC to every open, so a child spawned while we hold the lock cannot inherit it.
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;

/** One descriptor of a lock file, opened for one acquisition and never shared. */
export interface LockFileHandle {
  readonly fd: number;
  readonly file: string;
  /** Unlock, then close. */
  release(): void;
  /** Close without unlocking (nothing is held yet). */
  close(): void;
}

// Open a container's lock file for one acquisition; ENOTFOUND when it (or its directory) is missing.
// Sync syscalls on purpose: a local open/stat costs microseconds, going through the libuv pool
// would cost more and compete with the very pool the async path tries not to starve.
export function openLockFile(file: string, id: string): LockFileHandle {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // A file or a symlink where the container's directory should be is refused as readers refuse
      // it, not taken for a missing container.
      const dir = path.dirname(file);
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(dir);
      } catch { /* missing, or the root is not a directory: no container either way */ }
      if (st !== undefined && !st.isDirectory()) throw notRealDir(dir, st, id);
      throw containerMissingError(id, file, err);
    }
    if (code === 'ELOOP') throw unsafeLockPathError(id, file, 'the lock file is a symlink', err);
    throw err;
  }
  trackOpen(file);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    trackClose(file);
    try {
      fs.closeSync(fd);
    } catch {
      // EBADF only if someone else closed our fd, which released the lock already.
    }
  };
  return {
    fd,
    file,
    release() {
      // Unlock before closing: closing releases only when no other descriptor shares the open
      // file description (a dup, or a fork without exec); LOCK_UN releases it in every case.
      if (!closed) {
        try {
          flockSync(fd, 'un');
        } catch {
          // Closing below releases the lock anyway; never mask the caller's result or error.
        }
      }
      close();
    },
    close,
  };
}

/**
 * Identity of a lock file, and its generation when it was last checked against the paths.
 * The generation is the file's length: every change that makes the container's paths name other
 * files (a delete moving the directory, a compaction replacing events.log) first grows the lock
 * file by one byte, under the exclusive lock. A holder that finds the length it last checked,
 * and the same change time (so nothing truncated the file back to that length meanwhile), knows
 * the paths still name what they named then, without looking them up again.
 */
export interface FileId {
  ino: bigint;
  dev: bigint;
  gen: number;
  /** The file's ctime (ms, as a plain fstat gives it), which any write or truncation moves. */
  ctime: number;
}

/** What the path holds once we hold the lock on an open descriptor. */
export type LockFileCheck =
  | { kind: 'same'; ino: number; id: FileId; looked: boolean }
  | { kind: 'gone' }
  | { kind: 'replaced' };

// After the flock is held: is our fd still the file at the lock path? A delete moves the
// container away while we wait; a create may then put a new lock file there (invariant 8).
// `known` is what an earlier check of this descriptor found: when the file still has that
// generation and a link, one fstat answers, and the two path lookups are skipped.
export function checkLockFile(fd: number, dir: string, file: string, id: string, known?: FileId): LockFileCheck {
  if (known) {
    const st = fs.fstatSync(fd);
    if (st.nlink > 0 && st.size === known.gen && st.ctimeMs === known.ctime) return { kind: 'same', ino: Number(known.ino), id: known, looked: false };
  }
  const st = fs.fstatSync(fd, { bigint: true });
  if (!st.isFile()) throw unsafeLockPathError(id, file, 'the lock path is not a regular file');
  const held: FileId = { ino: st.ino, dev: st.dev, gen: Number(st.size), ctime: fs.fstatSync(fd).ctimeMs };
  // lstat, not stat: a symlink put in place of the directory or the file is refused, not followed.
  const dirSt = fs.lstatSync(dir, { bigint: true, throwIfNoEntry: false });
  if (dirSt === undefined) return { kind: 'gone' };
  if (dirSt.isSymbolicLink()) throw unsafeLockPathError(id, file, 'the container directory is a symlink');
  if (!dirSt.isDirectory()) return { kind: 'gone' };
  const now = fs.lstatSync(file, { bigint: true, throwIfNoEntry: false });
  if (now === undefined) return { kind: 'gone' };
  if (now.isSymbolicLink()) throw unsafeLockPathError(id, file, 'the lock file is a symlink');
  // Inodes compared as bigint: exact even where numbers exceed 2^53.
  if (now.ino !== held.ino || now.dev !== held.dev) return { kind: 'replaced' };
  return { kind: 'same', ino: Number(held.ino), id: held, looked: true };
}

// Announce, while holding the exclusive lock, that the container's paths are about to name other
// files: grow the lock file by one byte, so every holder's next check looks the paths up again.
// Done before the change, so a crash between the two costs one extra lookup, never a missed one.
export function bumpLockGeneration(file: string): number {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
  try {
    const gen = fs.fstatSync(fd).size + 1;
    fs.ftruncateSync(fd, gen);
    return gen;
  } finally {
    fs.closeSync(fd);
  }
}
