import { RunstateError } from '../errors.js';

// The lock was not obtained in time; says whether the holder is this process or another one.
export function lockTimeoutError(id: string, file: string, timeoutMs: number, inProcess: boolean): RunstateError {
  const holder = inProcess
    ? 'held by another call in this process; raise the lock timeout or shorten the work done under the lock'
    : 'held by another process; raise the lock timeout (lockTimeoutMs, or the CLI\'s --lock-timeout) or find the holder, e.g. with `lslocks`';
  return new RunstateError('ELOCKTIMEOUT',
    `timed out after ${timeoutMs} ms waiting for the lock of container "${id}" (${holder})`,
    { id, file, timeoutMs });
}

// The lock file does not exist, so neither does the container (the lock file is never created here).
export function containerMissingError(id: string, file: string, cause?: unknown): RunstateError {
  return new RunstateError('ENOTFOUND', `container "${id}" does not exist`, { id, file }, { cause });
}

// The container was deleted between opening its lock file and getting the lock (invariant 8).
export function deletedWhileWaitingError(id: string, file: string): RunstateError {
  return new RunstateError('ENOTFOUND', `container "${id}" was deleted while waiting for its lock`, { id, file });
}

// The lock path or the container directory is a symlink or not the kind of file it should be.
export function unsafeLockPathError(id: string, file: string, what: string, cause?: unknown): RunstateError {
  return new RunstateError('EUNSAFEPATH',
    `refusing the lock of container "${id}": ${what} (${file})`, { id, file }, { cause });
}

// The lock file kept being replaced under us until the timeout: the container was deleted and
// created again, over and over, while we waited.
export function lockChurnError(id: string, file: string, tries: number, timeoutMs: number): RunstateError {
  return new RunstateError('ELOCKTIMEOUT',
    `timed out after ${timeoutMs} ms waiting for the lock of container "${id}": its lock file was replaced ${tries} times meanwhile (deleted and created again, over and over)`,
    { id, file, tries, timeoutMs });
}
