import fs from 'node:fs';
import path from 'node:path';
import type { OpenLog } from '../events/log.js';
import { FILES } from '../paths.js';
import { openContainerLog } from './read.js';

/** A log kept open across transitions, and how many calls are using it. */
interface Entry {
  dir: string;
  log: OpenLog;
  refs: number;
  retired: boolean;
}

/** Most logs kept open per store; the least recently opened is retired first. */
const MAX_OPEN = 128;

/**
 * Open active-log descriptors of the containers this process writes to, so a transition costs an
 * lstat and an fstat instead of open, fstat, header read and close. Used under the container's
 * exclusive lock only: the lstat then tells whether compaction replaced the file since.
 */
export class LogCache {
  readonly #byDir = new Map<string, Entry>();
  readonly #byLog = new Map<OpenLog, Entry>();

  // The writable active log of a container as of now; release it when done (after the flush too).
  acquire(dir: string, id: string): OpenLog {
    const cached = this.#byDir.get(dir);
    if (cached) {
      const st = fs.lstatSync(path.join(dir, FILES.log), { throwIfNoEntry: false });
      if (st !== undefined && st.ino === cached.log.ino) {
        cached.log.size = fs.fstatSync(cached.log.fd).size;
        cached.refs++;
        return cached.log;
      }
      this.retire(dir);
    }
    const entry: Entry = { dir, log: openContainerLog(dir, id, true), refs: 1, retired: false };
    this.#byDir.set(dir, entry);
    this.#byLog.set(entry.log, entry);
    if (this.#byDir.size > MAX_OPEN) this.retire(this.#byDir.keys().next().value!);
    return entry.log;
  }

  // Done with a log returned by acquire.
  release(log: OpenLog): void {
    const e = this.#byLog.get(log);
    if (e && --e.refs === 0 && e.retired) this.#close(e);
  }

  // Forget a container's log (compacted, deleted, or suspect); it closes when no call uses it any more.
  retire(dir: string): void {
    const e = this.#byDir.get(dir);
    if (!e) return;
    this.#byDir.delete(dir);
    e.retired = true;
    if (e.refs === 0) this.#close(e);
  }

  // Retire every log.
  clear(): void {
    for (const dir of [...this.#byDir.keys()]) this.retire(dir);
  }

  #close(e: Entry): void {
    this.#byLog.delete(e.log);
    fs.closeSync(e.log.fd);
  }
}
