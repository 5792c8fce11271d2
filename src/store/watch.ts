import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Observable } from 'rxjs';
import { HEADER_SIZE } from '../events/header.js';
import { openLog, readRecords, type OpenLog } from '../events/log.js';
import { toStoredEvent } from '../events/record.js';
import type { StoredEvent } from '../events/types.js';
import { FILES, ROOT_DIRS } from '../paths.js';
import { checkContainerDir, checkSameContainer, MovedWhileReading } from './fs-safe.js';
import { openContainerLog } from './read.js';
import { collectEvents } from './history.js';
import { recordHash } from '../events/hash.js';
import { RunstateError } from '../errors.js';
import { listSegments } from './segments.js';

// rxjs is loaded on first use only: it costs ~100 ms of start-up that most CLI calls never need.
let rx: typeof import('rxjs') | undefined;
function loadRx(): typeof import('rxjs') {
  rx ??= createRequire(import.meta.url)('rxjs') as typeof import('rxjs');
  return rx;
}

/** Options of `watch`. */
export interface WatchOptions {
  /** First seq to emit (default: the oldest event kept, so the whole history retention left, then live events). */
  fromSeq?: number;
  /** Interval of the polling fallback, in ms (default 200). fs.watch wakes it sooner when it can. */
  pollMs?: number;
}

// Stream a container's events: the stored ones first, then live ones as any process appends them,
// in seq order, without gaps or duplicates. Completes after the `deleted` event, or when `closed`
// aborts (the store was closed: what was appended until then is emitted first); subscribed after
// that, it fails with the abort's reason.
export function watchEvents(dir: string, id: string, options: WatchOptions = {}, closed?: AbortSignal): Observable<StoredEvent> {
  return new (loadRx().Observable)<StoredEvent>((subscriber) => {
    if (closed?.aborted) {
      subscriber.error(closed.reason);
      return undefined;
    }
    // Without fromSeq, from the oldest event kept (retention may have pruned the first ones).
    const fromSeq = options.fromSeq ?? 0;
    let log: OpenLog | null = null;
    let offset = HEADER_SIZE;
    let nextSeq = 1;
    let lastPayload: Buffer | null = null;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let watcher: fs.FSWatcher | undefined;

    const stop = (): void => {
      done = true;
      clearTimeout(timer);
      watcher?.close();
      closed?.removeEventListener('abort', onClose);
      if (log) fs.closeSync(log.fd);
      log = null;
    };

    // The store closed: emit what was appended until now, then complete (unless that was the end).
    const onClose = (): void => {
      if (done) return;
      try {
        drain();
      } catch { /* the stream ends either way */ }
      if (done) return;
      stop();
      subscriber.complete();
    };

    // Emit what was appended since the last look. The fd stays open, so a log moved to history
    // by delete is still drained to its `deleted` record before completing.
    const drain = (): void => {
      while (!done && log !== null) {
        const size = fs.fstatSync(log.fd).size;
        let deleted = false;
        const scan = readRecords(log, offset, size, nextSeq, (rec, _start, _end, payload) => {
          if (rec.seq >= fromSeq) subscriber.next(toStoredEvent(rec));
          if (rec.type === 'deleted') deleted = true;
          lastPayload = payload;
        });
        // A torn tail is a record being written right now: read it again next time.
        offset = scan.end;
        nextSeq = scan.nextSeq;
        if (deleted) {
          stop();
          subscriber.complete();
          return;
        }
        const current = fs.lstatSync(path.join(dir, FILES.log), { throwIfNoEntry: false });
        if (current !== undefined && current.ino === log.ino) return;
        // Another file at the path, or none: compaction replaced the segment, or the container was
        // deleted (its directory, with a newer segment, moved to history), maybe re-created. The old
        // file is final now; drain what is left, then go on with the segment that chains on from it.
        if (offset !== fs.fstatSync(log.fd).size) continue;
        fs.closeSync(log.fd);
        // Several compactions may have run since the last look: the segment that follows may be
        // sealed already, in the container or in a deleted one's history. The container's directory
        // first, then the history, listed only after it: a delete that moves the directory in between
        // is then found there.
        log = findNextSegment(segmentFiles(dir));
        if (log === null) {
          for (const base of historyDirs()) {
            log = findNextSegment(segmentFiles(base));
            if (log !== null) break;
          }
        }
        if (log === null) {
          throw new RunstateError('EPRUNED',
            `the events of container "${id}" from seq ${nextSeq} on are no longer kept (removed by compaction retention, or by a purge of its deleted history, before this watch read them)`,
            { id, seq: nextSeq });
        }
        offset = HEADER_SIZE;
      }
    };

    // The first of `files` whose header chains on from the last record read, opened; null if none.
    const findNextSegment = (files: string[]): OpenLog | null => {
      for (const file of files) {
        let next: OpenLog;
        try {
          next = openLog(file, false);
        } catch {
          continue;
        }
        if (next.header.firstSeq === nextSeq && (lastPayload === null || recordHash(lastPayload).equals(next.header.prevHash))) return next;
        fs.closeSync(next.fd);
      }
      return null;
    };

    // The segments of a container directory that could follow the last record read: sealed ones that
    // start at the next seq, then the active one.
    const segmentFiles = (base: string): string[] => {
      let sealed: string[] = [];
      try {
        sealed = listSegments(base).filter((seg) => seg.firstSeq === nextSeq).map((seg) => seg.file);
      } catch { /* none readable */ }
      return [...sealed, path.join(base, FILES.log)];
    };

    // Directories of this id's deleted incarnations, newest first.
    const historyDirs = (): string[] => {
      const base = path.join(path.dirname(dir), ROOT_DIRS.history, id);
      let names: string[] = [];
      try {
        names = fs.readdirSync(base).sort().reverse();
      } catch { /* none */ }
      return names.map((n) => path.join(base, n));
    };

    const tick = (): void => {
      try {
        drain();
      } catch (err) {
        stop();
        subscriber.error(err);
        return;
      }
      if (!done) timer = setTimeout(tick, options.pollMs ?? 200);
    };

    try {
      // The active segment, and the events before it from the sealed ones (EPRUNED when retention
      // removed them), of one container: both again when it was deleted and created anew meanwhile.
      let earlier: StoredEvent[] = [];
      for (let tries = 1; ; tries++) {
        const ino = checkContainerDir(dir, id);
        log = openContainerLog(dir, id, false);
        nextSeq = log.header.firstSeq;
        earlier = Math.max(fromSeq, 1) < nextSeq ? collectEvents(dir, id, { ...(fromSeq > 0 ? { fromSeq } : {}), toSeq: nextSeq - 1 }) : [];
        try {
          checkSameContainer(dir, ino);
          break;
        } catch (err) {
          fs.closeSync(log.fd);
          log = null;
          if (!(err instanceof MovedWhileReading)) throw err;
          if (tries >= 3) throw new RunstateError('ENOTFOUND', `container "${id}" was deleted while the watch began`, { id });
        }
      }
      offset = HEADER_SIZE;
      for (const ev of earlier) subscriber.next(ev);
      try {
        // A change notification only wakes the poll early; missing one costs latency, never events.
        watcher = fs.watch(dir, { persistent: false }, () => {
          clearTimeout(timer);
          timer = setTimeout(tick, 0);
        });
        watcher.on('error', () => watcher?.close());
      } catch { /* polling only */ }
      closed?.addEventListener('abort', onClose, { once: true });
      tick();
    } catch (err) {
      stop();
      subscriber.error(err);
    }
    return stop;
  });
}

// A watch that could not start (a bad id, a closed store): it fails when subscribed, as a watch that
// fails later does, so one error handler sees every failure.
export function failedWatch(err: unknown): Observable<StoredEvent> {
  return new (loadRx().Observable)<StoredEvent>((subscriber) => subscriber.error(err));
}
