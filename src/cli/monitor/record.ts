import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { containerDir } from '../../paths.js';
import { RunstateError } from '../../errors.js';

/** Name of the file in the container directory that names its monitor. */
export const MONITOR_FILE = 'monitor.json';

/** Who watches a container's process. */
export interface MonitorRecord {
  /** The monitor process and its start time. */
  pid: number;
  pidStart: number;
  /** The container process it waits for. */
  child: number;
}

// Open (create or append to) a file in a container directory: 0640, never through a symlink.
// (libuv opens every fd close-on-exec, so none leaks into the container's command.)
export function openContainerFile(root: string, id: string, name: string, append = true): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW
    | (append ? constants.O_APPEND : constants.O_TRUNC);
  const file = path.join(containerDir(root, id), name);
  try {
    return openSync(file, flags, 0o640);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    throw new RunstateError('EUNSAFEPATH', `${file} is a symlink; runstate never follows links inside its root`, { id, file }, { cause: err });
  }
}

// Record the monitor of a container, so later commands can tell "monitor about to record the exit" from "monitor gone".
export function writeMonitorRecord(root: string, id: string, record: MonitorRecord): void {
  const fd = openContainerFile(root, id, MONITOR_FILE, false);
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
}

// Read the monitor record of a container; undefined when missing or unreadable.
export function readMonitorRecord(root: string, id: string): MonitorRecord | undefined {
  try {
    const fd = openSync(path.join(containerDir(root, id), MONITOR_FILE), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const value = JSON.parse(readFileSync(fd, 'utf8')) as MonitorRecord;
      return Number.isSafeInteger(value.pid) && Number.isSafeInteger(value.child) ? value : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
