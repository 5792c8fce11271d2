import fs from 'node:fs';
import { RunstateError } from '../errors.js';

// Make a directory (and parents) with mode 0711: others may traverse to a known id but not list ids.
export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
}

// Check that a container directory exists and is a real directory, not a symlink out of the root.
export function checkContainerDir(dir: string, id: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RunstateError('ENOTFOUND', `container "${id}" does not exist`, { id });
    throw err;
  }
  if (st.isSymbolicLink()) {
    throw new RunstateError('EUNSAFEPATH', `${dir} is a symlink; runstate never follows links inside its root`, { id, file: dir });
  }
  if (!st.isDirectory()) throw new RunstateError('EUNSAFEPATH', `${dir} is not a directory`, { id, file: dir });
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
