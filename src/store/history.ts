import fs from 'node:fs';
import { RunstateError } from '../errors.js';
import { HEADER_SIZE } from '../events/header.js';
import { openLog, readRecordsAt, type DecodeAt } from '../events/log.js';
import type { Snapshot } from '../events/snapshot.js';
import { listSegments, listSnapshots, readSnapshot } from './segments.js';
import { decodeFoldedRecordAt, decodeRecordAt, toStoredEvent, type FoldedRecord } from '../events/record.js';
import type { ContainerState, StoredEvent } from '../events/types.js';
import type { HistoryOptions, ReplayOptions } from '../options.js';
import { applyRecord, cloneState } from '../projection/evolve.js';
import { checkContainerDir } from './fs-safe.js';
import { openContainerLog } from './read.js';

// Walk the stored events from `fromSeq` on, through the sealed segments and then the active one,
// decoding each with `decode`; `visit` returns false to stop. Events before the oldest segment kept are EPRUNED.
function walk<R extends FoldedRecord>(dir: string, id: string, fromSeq: number, decode: DecodeAt<R>, visit: (rec: R) => boolean | void): void {
  checkContainerDir(dir, id);
  const active = openContainerLog(dir, id, false);
  try {
    const files = [...listSegments(dir).filter((s) => s.lastSeq >= fromSeq && s.firstSeq < active.header.firstSeq).map((s) => s.file), null];
    let expected = fromSeq;
    let stopped = false;
    for (const file of files) {
      const log = file === null ? active : openLog(file, false);
      try {
        if (log.header.firstSeq > expected) {
          throw new RunstateError('EPRUNED',
            `events ${expected}..${log.header.firstSeq - 1} of container "${id}" were compacted and pruned; the oldest kept is seq ${log.header.firstSeq}`,
            { id, seq: expected });
        }
        readRecordsAt(log, HEADER_SIZE, log.size, log.header.firstSeq, decode, (rec) => {
          if (rec.seq < expected) return true;
          expected = rec.seq + 1;
          if (visit(rec) === false) { stopped = true; return false; }
          return true;
        });
      } finally {
        if (file !== null) fs.closeSync(log.fd);
      }
      if (stopped) return;
    }
  } finally {
    fs.closeSync(active.fd);
  }
}

// The stored events in [fromSeq, toSeq], oldest first.
export function collectEvents(dir: string, id: string, options: HistoryOptions): StoredEvent[] {
  const from = checkSeq(options.fromSeq, 'fromSeq') ?? 1;
  const to = checkSeq(options.toSeq, 'toSeq') ?? Number.MAX_SAFE_INTEGER;
  const out: StoredEvent[] = [];
  walk(dir, id, from, decodeRecordAt, (rec) => {
    if (rec.seq > to) return false;
    if (rec.seq >= from) out.push(toStoredEvent(rec));
    return true;
  });
  return out;
}

// The state at a seq, or after the last event at or before a time (events are taken in seq order).
export function replayTo(dir: string, id: string, options: ReplayOptions): ContainerState {
  const atSeq = checkSeq(options.atSeq, 'atSeq');
  const atTime = options.atTime === undefined ? undefined : parseTime(options.atTime);
  if ((atSeq === undefined) === (atTime === undefined)) {
    throw new RunstateError('EINVALID', 'replay needs exactly one of atSeq or atTime');
  }
  checkContainerDir(dir, id);
  // Start from the latest snapshot when the point lies after it: O(events since), not O(history).
  const snap = latestSnapshotBefore(dir, atSeq, atTime);
  // Folded in place on a private copy; dates are formatted once, for the state returned.
  let state: ContainerState | null = snap ? cloneState(snap.state) : null;
  let lastAt = 0;
  walk(dir, id, snap ? snap.seq + 1 : 1, decodeFoldedRecordAt, (rec) => {
    if (atSeq !== undefined ? rec.seq > atSeq : rec.at > atTime!) return false;
    state = applyRecord(state, rec);
    lastAt = rec.at;
    return true;
  });
  if (state !== null && lastAt !== 0) (state as ContainerState).updated = new Date(lastAt).toISOString();
  const s = state as ContainerState | null;
  if (s === null) {
    throw new RunstateError('EINVALID', `container "${id}" has no state at ${new Date(atTime!).toISOString()}: it was created later`, { id });
  }
  if (atSeq !== undefined && s.seq < atSeq) {
    throw new RunstateError('EINVALID', `container "${id}" has no event ${atSeq}: its history ends at seq ${s.seq}`, { id, seq: atSeq });
  }
  return s;
}

function latestSnapshotBefore(dir: string, atSeq: number | undefined, atTime: number | undefined): Snapshot | null {
  const snaps = listSnapshots(dir);
  for (let i = snaps.length - 1; i >= 0; i--) {
    const snap = readSnapshot(dir, snaps[i]!.seq);
    if (snap === null) continue;
    if (atSeq !== undefined ? snap.seq <= atSeq : Date.parse(snap.state.updated) <= atTime!) return snap;
  }
  return null;
}

function checkSeq(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 1) throw new RunstateError('EINVALID', `${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function parseTime(t: string | Date | number): number {
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new RunstateError('EINVALID', `not a time: ${JSON.stringify(String(t))} (use ISO-8601, e.g. 2026-01-31T12:00:00Z)`);
  return ms;
}
