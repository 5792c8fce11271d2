import fs from 'node:fs';
import { RunstateError, isRunstateError } from '../errors.js';
import { IsoTimeError, parseIsoTime } from '../iso-time.js';
import { HEADER_SIZE } from '../events/header.js';
import { openLog, readRecordsAt, type OpenLog } from '../events/log.js';
import { scanFrames, type TornTail } from '../events/scan.js';
import type { Snapshot } from '../events/snapshot.js';
import { listSegments, listSnapshots, readSnapshot } from './segments.js';
import { toStoredEvent, type LogRecord } from '../events/record.js';
import type { ContainerState, StoredEvent } from '../events/types.js';
import type { HistoryOptions, ReplayOptions } from '../options.js';
import { cloneState } from '../projection/evolve.js';
import { foldRecordsAt, type FoldCursor } from '../projection/fold.js';
import { checkContainerDir, checkSameContainer, MovedWhileReading } from './fs-safe.js';
import { openContainerLog } from './read.js';

// Open each segment holding events from `fromSeq` on, oldest first (the active one last), and hand it
// to `each` with the seq the caller wants next; `each` returns the seq it wants after that segment,
// or -1 to stop. Events before the oldest segment kept are EPRUNED; a gap after it is damage.
// `fromSeq` null: from the oldest event kept, whatever retention pruned before it.
// The files are opened by path: each open is followed by a check that the container directory is
// still the one the read began with (MovedWhileReading otherwise), so that the segments read all
// belong to one container even when it is deleted and created again meanwhile.
function eachSegment(dir: string, id: string, fromSeq: number | null, each: (log: OpenLog, expected: number, sealed: boolean) => number): void {
  const ino = checkContainerDir(dir, id);
  const active = openContainerLog(dir, id, false);
  try {
    const kept = listSegments(dir).filter((s) => s.firstSeq < active.header.firstSeq);
    const sealed = fromSeq === null ? kept : kept.filter((s) => s.lastSeq >= fromSeq);
    // Retention removes the oldest sealed segments first: a gap after a kept one is damage, not pruning.
    const keptBefore = kept.length > sealed.length;
    checkSameContainer(dir, ino);
    let expected = fromSeq ?? 0;
    for (let i = 0; i <= sealed.length; i++) {
      const seg = sealed[i];
      const log = seg === undefined ? active : openSealed(seg.file, id, Math.max(expected, seg.firstSeq), () => checkSameContainer(dir, ino));
      try {
        // Segments are picked by name: one whose header starts elsewhere (renamed) is damage, not a gap.
        if (seg !== undefined && log.header.firstSeq !== seg.firstSeq) {
          throw new RunstateError('ECORRUPT',
            `${seg.file} starts at seq ${log.header.firstSeq} but is named for seqs ${seg.firstSeq}..${seg.lastSeq}`,
            { id, file: seg.file, offset: 0, seq: seg.firstSeq });
        }
        if (fromSeq === null && i === 0) expected = log.header.firstSeq;
        if (log.header.firstSeq > expected) {
          if (i > 0 || keptBefore) {
            throw new RunstateError('ECORRUPT',
              `${log.file} starts at seq ${log.header.firstSeq} but the segment before it ends at seq ${i > 0 ? expected - 1 : kept[kept.length - sealed.length - 1]!.lastSeq}: a sealed segment is missing`,
              { id, file: log.file, offset: 0, seq: expected });
          }
          throw new RunstateError('EPRUNED',
            `events ${expected}..${log.header.firstSeq - 1} of container "${id}" were compacted and pruned; the oldest kept is seq ${log.header.firstSeq}`,
            { id, seq: expected, oldestSeq: log.header.firstSeq });
        }
        expected = each(log, expected, seg !== undefined);
        if (seg !== undefined && expected > seg.lastSeq + 1) {
          throw new RunstateError('ECORRUPT',
            `${seg.file} holds seqs up to ${expected - 1} but is named for seqs ${seg.firstSeq}..${seg.lastSeq}`,
            { id, file: seg.file, offset: 0, seq: seg.lastSeq + 1 });
        }
        // A sealed segment holds every seq its name gives: one that ends early lost its tail.
        if (seg !== undefined && expected >= 0 && expected <= seg.lastSeq) {
          // Where its valid records end (scanned again: this is the error path only).
          const offset = scanFrames(log.fd, log.file, HEADER_SIZE, fs.fstatSync(log.fd).size, () => true).end;
          throw new RunstateError('ECORRUPT',
            `${seg.file} ends at seq ${expected - 1} (offset ${offset}) but was sealed with seqs up to ${seg.lastSeq}: its tail is damaged or cut`,
            { id, file: seg.file, offset, seq: expected });
        }
      } finally {
        if (seg !== undefined) fs.closeSync(log.fd);
      }
      if (expected < 0) return;
    }
  } finally {
    fs.closeSync(active.fd);
  }
}

// A sealed segment listed a moment ago, of the container the read began with (`same` checks it):
// gone now means a compaction pruned it meanwhile.
function openSealed(file: string, id: string, expected: number, same: () => void): OpenLog {
  let log: OpenLog;
  try {
    log = openLog(file, false);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    same();
    throw new RunstateError('EPRUNED', `events of container "${id}" from seq ${expected} on were pruned by a compaction while being read`,
      { id, seq: expected }, { cause: err });
  }
  try {
    same();
  } catch (err) {
    fs.closeSync(log.fd);
    throw err;
  }
  return log;
}

// A sealed segment is never appended to again: bytes after its last record are damage, not a torn
// tail being written.
function checkSealedEnd(log: OpenLog, tail: TornTail | null): void {
  if (tail !== null) {
    throw new RunstateError('ECORRUPT', `${log.file}: damaged end of a sealed segment at offset ${tail.offset} (${tail.reason}, ${tail.bytes} bytes)`,
      { file: log.file, offset: tail.offset });
  }
}

// Run a read of a container's segments again when the container was deleted (and maybe created
// again) while it read; a container that keeps being replaced is reported deleted.
function stableRead<T>(id: string, read: () => T): T {
  for (let tries = 1; ; tries++) {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof MovedWhileReading)) throw err;
      if (tries >= 3) throw new RunstateError('ENOTFOUND', `container "${id}" was deleted while its history was read`, { id });
    }
  }
}

// Walk the stored events from `fromSeq` on (null: the oldest kept), decoded in full; `visit` returns false to stop.
function walk(dir: string, id: string, fromSeq: number | null, visit: (rec: LogRecord) => boolean | void): void {
  eachSegment(dir, id, fromSeq, (log, from, sealed) => {
    let expected = from;
    let stopped = false;
    const scan = readRecordsAt(log, HEADER_SIZE, log.size, log.header.firstSeq, (rec) => {
      if (rec.seq < expected) return true;
      expected = rec.seq + 1;
      if (visit(rec) === false) {
        stopped = true;
        return false;
      }
      return true;
    });
    if (sealed && !stopped) checkSealedEnd(log, scan.tail);
    return stopped ? -1 : expected;
  });
}

// The stored events in [fromSeq, toSeq], oldest first. Without fromSeq, from the oldest event kept:
// retention may have pruned the first ones, which only a fromSeq among them asks for (EPRUNED).
export function collectEvents(dir: string, id: string, options: HistoryOptions): StoredEvent[] {
  const from = checkSeq(options.fromSeq, 'fromSeq') ?? null;
  const to = checkSeq(options.toSeq, 'toSeq') ?? Number.MAX_SAFE_INTEGER;
  const read = (): StoredEvent[] => stableRead(id, () => {
    const out: StoredEvent[] = [];
    walk(dir, id, from, (rec) => {
      if (rec.seq > to) return false;
      if (from === null || rec.seq >= from) out.push(toStoredEvent(rec));
      return true;
    });
    return out;
  });
  // From the oldest kept, a segment pruned while it was read only moves that start: read again.
  for (let tries = 1; ; tries++) {
    try {
      return read();
    } catch (err) {
      if (from !== null || !isRunstateError(err, 'EPRUNED') || tries >= 3) throw err;
    }
  }
}

// The state at a seq, or after the last event at or before a time (events are taken in seq order).
export function replayTo(dir: string, id: string, options: ReplayOptions): ContainerState {
  const atSeq = checkSeq(options.atSeq, 'atSeq');
  const atTime = options.atTime === undefined ? undefined : parseTime(options.atTime);
  if ((atSeq === undefined) === (atTime === undefined)) {
    throw new RunstateError('EINVALID', 'replay needs exactly one of atSeq or atTime');
  }
  checkContainerDir(dir, id);
  let cur: FoldCursor | undefined;
  // EPRUNED once may be a compaction that replaced the snapshots between our listing and reading
  // them: a second try settles it.
  for (let tries = 1; cur === undefined; tries++) {
    try {
      cur = stableRead(id, () => foldTo(dir, id, atSeq, atTime));
    } catch (err) {
      if (!isRunstateError(err, 'EPRUNED')) throw err;
      if (tries < 2) continue;
      // Say which point was asked for, and the earliest one still kept (a snapshot followed by its events).
      const point = atSeq !== undefined ? `seq ${atSeq}` : new Date(atTime!).toISOString();
      const earliestSeq = earliestReplayable(dir, id);
      throw new RunstateError('EPRUNED',
        `container "${id}" has no state at ${point} any more: the events before it were compacted and pruned; the earliest point kept is seq ${earliestSeq}`,
        { id, ...(atSeq !== undefined ? { seq: atSeq } : { at: point }), earliestSeq }, { cause: err });
    }
  }
  const { state } = cur;
  if (state !== null && cur.at !== 0) state.updated = new Date(cur.at).toISOString();
  if (state === null) {
    if (atTime === undefined) throw new RunstateError('ECORRUPT', `container "${id}": its log holds no created record, so no state`, { id });
    throw new RunstateError('EINVALID', `container "${id}" has no state at ${new Date(atTime).toISOString()}: it was created later`, { id });
  }
  if (atSeq !== undefined && state.seq < atSeq) {
    throw new RunstateError('EINVALID', `container "${id}" has no event ${atSeq}: its history ends at seq ${state.seq}`, { id, seq: atSeq });
  }
  return state;
}

// Fold from the latest snapshot before the point (O(events since), not O(history)) up to the point.
function foldTo(dir: string, id: string, atSeq: number | undefined, atTime: number | undefined): FoldCursor {
  const snap = latestSnapshotBefore(dir, atSeq, atTime);
  // Folded in place on a private copy; dates are formatted once, for the state returned.
  const from = snap ? snap.seq + 1 : 1;
  const cur: FoldCursor = {
    state: snap ? cloneState(snap.state) : null, next: 0, fromSeq: from, toSeq: atSeq ?? Infinity, toAt: atTime ?? Infinity, at: 0,
  };
  eachSegment(dir, id, from, (log, expected, sealed) => {
    // The segment that starts after the snapshot chains on from it (a compaction made them together).
    if (snap !== null && log.header.firstSeq === from && !snap.hash.equals(log.header.prevHash)) {
      throw new RunstateError('ECORRUPT', `${log.file} does not chain on from the snapshot at seq ${snap.seq} (its prevHash differs)`, { id, file: log.file, offset: 0 });
    }
    cur.next = log.header.firstSeq;
    cur.fromSeq = expected;
    const { past, tail } = foldRecordsAt(log, HEADER_SIZE, log.size, cur);
    if (sealed && !past) checkSealedEnd(log, tail);
    return past ? -1 : Math.max(expected, cur.next);
  });
  return cur;
}

// The lowest seq a replay can still reach: 1 while the first segment is kept, else the oldest snapshot
// whose following events are kept (a segment, sealed or active, starts right after it).
function earliestReplayable(dir: string, id: string): number {
  const active = openContainerLog(dir, id, false);
  const firsts = new Set([active.header.firstSeq, ...listSegments(dir).map((seg) => seg.firstSeq)]);
  fs.closeSync(active.fd);
  if (firsts.has(1)) return 1;
  const kept = listSnapshots(dir).find((snap) => firsts.has(snap.seq + 1));
  return kept?.seq ?? active.header.firstSeq - 1;
}

function latestSnapshotBefore(dir: string, atSeq: number | undefined, atTime: number | undefined): Snapshot | null {
  const snaps = listSnapshots(dir);
  for (let i = snaps.length - 1; i >= 0; i--) {
    const snap = readSnapshot(dir, snaps[i]!.seq);
    if (snap === null) continue;
    if (snap.seq !== snaps[i]!.seq) {
      throw new RunstateError('ECORRUPT', `${snaps[i]!.file} holds the state at seq ${snap.seq}, not at the seq its name gives`, { file: snaps[i]!.file, offset: 0 });
    }
    if (atSeq !== undefined ? snap.seq <= atSeq : Date.parse(snap.state.updated) <= atTime!) return snap;
  }
  return null;
}

function checkSeq(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 1) throw new RunstateError('EINVALID', `${name} must be a positive integer, got ${String(v)}`);
  return v;
}

// A time given as a Date, ms since the epoch, or an ISO-8601 string (a date, or a date and time with
// its zone: see parseIsoTime), in ms. A value that names no single instant is EINVALID naming `what`;
// another type is a TypeError.
export function parseTime(t: string | Date | number, what = 'atTime'): number {
  if (!(t instanceof Date) && typeof t !== 'number' && typeof t !== 'string') {
    throw new TypeError(`${what} must be an ISO-8601 string, a Date or ms since the epoch, got ${typeof t}`);
  }
  let ms: number;
  try {
    ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : parseIsoTime(t);
  } catch (err) {
    if (!(err instanceof IsoTimeError)) throw err;
    throw new RunstateError('EINVALID', `${what} is not a time: ${JSON.stringify(t)}: ${err.message}`, {}, { cause: err });
  }
  if (!Number.isFinite(ms)) throw new RunstateError('EINVALID', `${what} is not a time: ${JSON.stringify(String(t))} (use ISO-8601, e.g. 2026-01-31T12:00:00Z)`);
  return ms;
}
