import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Observable } from 'rxjs';
import { HEADER_SIZE } from '../events/header.js';
import { readRecords, type OpenLog } from '../events/log.js';
import { toStoredEvent } from '../events/record.js';
import type { StoredEvent } from '../events/types.js';
import { FILES } from '../paths.js';
import { checkContainerDir } from './fs-safe.js';
import { openContainerLog } from './read.js';

// rxjs is loaded on first use only: it costs ~100 ms of start-up that most CLI calls never need.
let rx: typeof import('rxjs') | undefined;
function loadRx(): typeof import('rxjs') {
  rx ??= createRequire(import.meta.url)('rxjs') as typeof import('rxjs');
  return rx;
}

/** Options of `watch`. */
export interface WatchOptions {
  /** First seq to emit (default 1: the whole history, then live events). */
  fromSeq?: number;
  /** Interval of the polling fallback, in ms (default 200). fs.watch wakes it sooner when it can. */
  pollMs?: number;
}

// Stream a container's events: the stored ones first, then live ones as any process appends them,
// in seq order, without gaps or duplicates. Completes after the `deleted` event.
export function watchEvents(dir: string, id: string, options: WatchOptions = {}): Observable<StoredEvent> {
  return new (loadRx().Observable)<StoredEvent>((subscriber) => {
    const fromSeq = options.fromSeq ?? 1;
    let log: OpenLog | null = null;
    let offset = HEADER_SIZE;
    let nextSeq = 1;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let watcher: fs.FSWatcher | undefined;

    const stop = (): void => {
      done = true;
      clearTimeout(timer);
      watcher?.close();
      if (log) fs.closeSync(log.fd);
      log = null;
    };

    // Emit what was appended since the last look. The fd stays open, so a log moved to history
    // by delete is still drained to its `deleted` record before completing.
    const drain = (): void => {
      if (done || log === null) return;
      const size = fs.fstatSync(log.fd).size;
      let deleted = false;
      const scan = readRecords(log, offset, size, nextSeq, (rec) => {
        if (rec.seq >= fromSeq) subscriber.next(toStoredEvent(rec));
        if (rec.type === 'deleted') deleted = true;
      });
      // A torn tail is a record being written right now: read it again next time.
      offset = scan.end;
      nextSeq = scan.nextSeq;
      if (deleted) {
        stop();
        subscriber.complete();
        return;
      }
      // The path no longer names this segment: the container moved (deleted) or was re-created.
      let samePath = false;
      try {
        samePath = fs.lstatSync(path.join(dir, FILES.log)).ino === log.ino;
      } catch { /* gone */ }
      if (!samePath && offset === size) {
        stop();
        subscriber.complete();
      }
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
      checkContainerDir(dir, id);
      log = openContainerLog(dir, id, false);
      offset = HEADER_SIZE;
      nextSeq = log.header.firstSeq;
      try {
        // A change notification only wakes the poll early; missing one costs latency, never events.
        watcher = fs.watch(dir, { persistent: false }, () => {
          clearTimeout(timer);
          timer = setTimeout(tick, 0);
        });
        watcher.on('error', () => watcher?.close());
      } catch { /* polling only */ }
      tick();
    } catch (err) {
      stop();
      subscriber.error(err);
    }
    return stop;
  });
}
