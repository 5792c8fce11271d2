import { RunstateError } from '../errors.js';
import { HEADER_SIZE } from '../events/header.js';
import { recordHash } from '../events/hash.js';
import { readRecords, type OpenLog } from '../events/log.js';
import type { TornTail } from '../events/scan.js';
import type { ContainerState, StoredEvent } from '../events/types.js';
import { applyEvent, cloneState } from './evolve.js';
import type { LogPosition, Meta } from './meta.js';

/** The state of a container as of the end of its log's valid records. */
export interface Head {
  state: ContainerState;
  pos: LogPosition;
  /** Inode of the log segment this head was read from. */
  ino: number;
  /** Damaged tail after `pos.offset`, to be truncated by the next writer. */
  tail: TornTail | null;
}

/** A state at a known point of a segment: where folding may resume. */
export interface Base {
  state: ContainerState | null;
  pos: LogPosition;
}

// The base of a segment: nothing folded yet, positioned just after its header.
export function segmentBase(log: OpenLog, state: ContainerState | null): Base {
  return {
    state,
    pos: { logId: log.header.logId, seq: log.header.firstSeq - 1, headStart: HEADER_SIZE, offset: HEADER_SIZE, headHash: log.header.prevHash.toString('hex') },
  };
}

// Fold the records after `base` up to the end of the log's valid data.
export function foldFrom(log: OpenLog, base: Base, size = log.size): Head {
  // One private copy, then folded in place: the base may be a cached head others still hold.
  let state = base.state === null ? null : cloneState(base.state);
  let pos = base.pos;
  let lastPayload: Buffer | null = null;
  let lastAt = 0;
  const scan = readRecords(log, base.pos.offset, size, base.pos.seq + 1, (rec, start, end, payload) => {
    // Formatting a date costs more than the rest of the fold: only `created` needs its own,
    // every other event's time is overwritten by the next one, so the last is set once below.
    const at = rec.type === 'created' ? new Date(rec.at).toISOString() : '';
    state = applyEvent(state, { seq: rec.seq, type: rec.type, at, actor: rec.actor, data: rec.data } as StoredEvent);
    pos = { logId: log.header.logId, seq: rec.seq, headStart: start, offset: end, headHash: '' };
    lastPayload = payload;
    lastAt = rec.at;
  });
  if (state === null) {
    throw new RunstateError('ECORRUPT', `${log.file}: the log holds no created event`, { file: log.file, offset: base.pos.offset });
  }
  // Hash only the last record: readers need the head's hash, not the whole chain (verify checks that).
  if (lastPayload !== null) {
    pos = { ...pos, headHash: recordHash(lastPayload).toString('hex') };
    (state as ContainerState).updated = new Date(lastAt).toISOString();
  }
  return { state, pos, ino: log.ino, tail: scan.tail };
}

// The base a projection (meta.json or an in-memory head) offers, if it matches this log segment
// exactly: same segment, within the file, and its last record really is the record it names.
export function baseFromProjection(log: OpenLog, state: ContainerState, pos: LogPosition): Base | null {
  if (pos.logId !== log.header.logId || pos.offset > log.size || pos.seq < log.header.firstSeq - 1) return null;
  if (pos.seq === log.header.firstSeq - 1) {
    return pos.offset === HEADER_SIZE && pos.headHash === log.header.prevHash.toString('hex') ? { state, pos } : null;
  }
  let matches = false;
  try {
    readRecords(log, pos.headStart, pos.offset, pos.seq, (rec, _start, end, payload) => {
      matches = end === pos.offset && recordHash(payload).toString('hex') === pos.headHash;
      return false;
    });
  } catch {
    return null;
  }
  return matches ? { state, pos } : null;
}

// Split a meta.json into the state and the position it claims.
export function splitMeta(meta: Meta): { state: ContainerState; pos: LogPosition } {
  const { format: _f, logId, headStart, offset, headHash, ...state } = meta;
  return { state, pos: { logId, seq: state.seq, headStart, offset, headHash } };
}
