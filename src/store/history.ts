import fs from 'node:fs';
import { RunstateError } from '../errors.js';
import { HEADER_SIZE } from '../events/header.js';
import { readRecords, type OpenLog } from '../events/log.js';
import { toStoredEvent } from '../events/record.js';
import type { ContainerState, StoredEvent } from '../events/types.js';
import type { HistoryOptions, ReplayOptions } from '../options.js';
import { evolve } from '../projection/evolve.js';
import { checkContainerDir } from './fs-safe.js';
import { openContainerLog } from './read.js';

// Walk every stored event of a container's log in order; `visit` returns false to stop.
function walk(dir: string, id: string, visit: (ev: StoredEvent) => boolean | void): void {
  checkContainerDir(dir, id);
  const log: OpenLog = openContainerLog(dir, id, false);
  try {
    if (log.header.firstSeq !== 1) {
      throw new RunstateError('EPRUNED', `${log.file}: events before seq ${log.header.firstSeq} were compacted away`, { id, file: log.file });
    }
    readRecords(log, HEADER_SIZE, log.size, log.header.firstSeq, (rec) => visit(toStoredEvent(rec)));
  } finally {
    fs.closeSync(log.fd);
  }
}

// The stored events in [fromSeq, toSeq], oldest first.
export function collectEvents(dir: string, id: string, options: HistoryOptions): StoredEvent[] {
  const from = checkSeq(options.fromSeq, 'fromSeq') ?? 1;
  const to = checkSeq(options.toSeq, 'toSeq') ?? Number.MAX_SAFE_INTEGER;
  const out: StoredEvent[] = [];
  walk(dir, id, (ev) => {
    if (ev.seq > to) return false;
    if (ev.seq >= from) out.push(ev);
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
  let state: ContainerState | null = null;
  walk(dir, id, (ev) => {
    if (atSeq !== undefined ? ev.seq > atSeq : Date.parse(ev.at) > atTime!) return false;
    state = evolve(state, ev);
    return true;
  });
  const s = state as ContainerState | null;
  if (s === null) {
    throw new RunstateError('EINVALID', `container "${id}" has no state at ${new Date(atTime!).toISOString()}: it was created later`, { id });
  }
  if (atSeq !== undefined && s.seq < atSeq) {
    throw new RunstateError('EINVALID', `container "${id}" has no event ${atSeq}: its history ends at seq ${s.seq}`, { id, seq: atSeq });
  }
  return s;
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
