import fs from 'node:fs';
import path from 'node:path';
import { RunstateError } from '../errors.js';

// Make a directory (and parents) with mode 0711: others may traverse to a known id but not list ids.
export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
}

// Make the root (and its parents) where missing. A root that is a file is a bad root, not a container
// that exists: EINVALID, which names the setting to fix.
export function ensureRoot(root: string): void {
  try {
    ensureDir(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw rootNotDir(root, err);
    throw err;
  }
}

// EINVALID for a root that is not a directory.
export function rootNotDir(root: string, cause: unknown): RunstateError {
  return new RunstateError('EINVALID', `the root ${root} is not a directory (set --root or RUNSTATE_ROOT to a directory)`, { file: root }, { cause });
}

// Check that a container directory exists and is a real directory, not a symlink out of the root.
// Returns its inode: a delete moves the directory away (and a create makes a new one), a compaction
// does not, so files opened by path while it stays the same belong to one container.
export function checkContainerDir(dir: string, id: string): number {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RunstateError('ENOTFOUND', `container "${id}" does not exist`, { id });
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw rootNotDir(path.dirname(dir), err);
    throw err;
  }
  if (!st.isDirectory()) throw notRealDir(dir, st, id);
  return st.ino;
}

/** Thrown by a read that found its container deleted (and maybe created again) while it read. */
export class MovedWhileReading extends Error {}

// Whether the container directory is still the one whose inode a read started with.
export function checkSameContainer(dir: string, ino: number): void {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (st === undefined || st.ino !== ino) throw new MovedWhileReading(dir);
}

// EUNSAFEPATH for a path inside the root that should be a directory and is a symlink or a file.
export function notRealDir(dir: string, st: fs.Stats, id?: string): RunstateError {
  const what = st.isSymbolicLink() ? 'a symlink; runstate never follows links inside its root' : 'not a directory';
  return new RunstateError('EUNSAFEPATH', `${dir} is ${what}`, id === undefined ? { file: dir } : { id, file: dir });
}

// Make the directories `base/parts[0]/parts[1]/…` (mode 0711) where missing, and refuse any that is a
// symlink or not a directory: nothing inside the root is followed through a link. Returns the last.
export function ensureRealDir(base: string, parts: readonly string[], id?: string): string {
  let dir = base;
  for (const part of parts) {
    dir = path.join(dir, part);
    try {
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) throw notRealDir(dir, st, id);
  }
  return dir;
}

// fsync a directory so a rename or create inside it survives a crash.
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

// True for the errno codes that mean "no such file".
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

// The names in a directory that may be gone by now (moved to history by a delete, removed by a
// purge): none then, rather than ENOENT.
export function namesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
