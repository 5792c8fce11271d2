import { RunstateError } from '../errors.js';
import { HEADER_SIZE } from '../events/header.js';
import { recordHash } from '../events/hash.js';
import { readRecords, type OpenLog } from '../events/log.js';
import type { TornTail } from '../events/scan.js';
import type { ContainerState } from '../events/types.js';
import { cloneState } from './evolve.js';
import { foldRecordsAt, type FoldCursor } from './fold.js';
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

// Fold the records after `base` up to the end of the log's valid data. `read`, when given, holds the
// file's bytes from the base's end (read by the caller), so that they are not read again.
export function foldFrom(log: OpenLog, base: Base, size = log.size, read?: Buffer): Head {
  // One private copy, then folded in place: the base may be a cached head others still hold.
  const cur: FoldCursor = {
    state: base.state === null ? null : cloneState(base.state), next: base.pos.seq + 1, fromSeq: 0, toSeq: Infinity, toAt: Infinity, at: 0,
  };
  // The last record folded, kept as plain values: its position and hash are made once, at the end.
  let last: Buffer | null = null;
  let lastPayloadStart = 0;
  let lastPayloadEnd = 0;
  let lastStart = 0;
  let lastEnd = 0;
  const scan = foldRecordsAt(log, base.pos.offset, size, cur, (buf, payloadStart, payloadEnd, start, end) => {
    last = buf;
    lastPayloadStart = payloadStart;
    lastPayloadEnd = payloadEnd;
    lastStart = start;
    lastEnd = end;
  }, read);
  const { state } = cur;
  if (state === null) {
    throw new RunstateError('ECORRUPT', `${log.file}: the log holds no created event`, { file: log.file, offset: base.pos.offset });
  }
  if (last === null) return { state, pos: base.pos, ino: log.ino, tail: scan.tail };
  // Hash only the last record: readers need the head's hash, not the whole chain (verify checks that).
  const headHash = recordHash((last as Buffer).subarray(lastPayloadStart, lastPayloadEnd)).toString('hex');
  state.updated = new Date(cur.at).toISOString();
  return { state, pos: { logId: log.header.logId, seq: cur.next - 1, headStart: lastStart, offset: lastEnd, headHash }, ino: log.ino, tail: scan.tail };
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
