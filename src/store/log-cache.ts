import fs from 'node:fs';
import path from 'node:path';
import type { OpenLog } from '../events/log.js';
import type { HeldLock } from '../lock/container-lock.js';
import { FILES } from '../paths.js';
import { openContainerLog } from './read.js';

/** A log kept open across transitions, and how many calls are using it. */
interface Entry {
  dir: string;
  log: OpenLog;
  refs: number;
  retired: boolean;
  /** The lock file (inode) and its generation at which `log` was known to be the file at the path. */
  lockIno: number;
  gen: number;
}

/** Most logs kept open per store; the least recently opened is retired first. */
const MAX_OPEN = 128;

/**
 * Open active-log descriptors of the containers this process writes to, so a transition needs no
 * open, fstat, header read and close. Used under the container's exclusive lock
 * only. Compaction replaces the file at the path, but grows the lock file's generation first: while
 * the generation is the one the descriptor was checked at, it is still the active log.
 */
export class LogCache {
  readonly #byDir = new Map<string, Entry>();
  readonly #byLog = new Map<OpenLog, Entry>();

  // The writable active log of a container as of now, for a caller holding its exclusive lock;
  // release it when done (after the flush too).
  acquire(dir: string, id: string, lock: HeldLock): OpenLog {
    const cached = this.#byDir.get(dir);
    if (cached) {
      // Generations count per lock file (a re-created container starts again from 0), and an inode
      // number is only unique while the file exists: trust the entry only when the lock descriptor
      // was kept open since the entry was checked, which `pathsChecked: false` says.
      let current = !lock.pathsChecked && cached.lockIno === lock.ino && cached.gen === lock.generation;
      if (!current) {
        const st = fs.lstatSync(path.join(dir, FILES.log), { throwIfNoEntry: false });
        current = st !== undefined && st.ino === cached.log.ino;
        if (current) Object.assign(cached, { lockIno: lock.ino, gen: lock.generation });
      }
      if (current) {
        // log.size is left as last seen: the caller learns the end from what it knows (Store#headUnderLock).
        cached.refs++;
        return cached.log;
      }
      this.retire(dir);
    }
    const entry: Entry = { dir, log: openContainerLog(dir, id, true), refs: 1, retired: false, lockIno: lock.ino, gen: lock.generation };
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
