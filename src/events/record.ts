// The pure-JS build: the package's main entry also loads the native msgpackr-extract addon, which
// costs ~20 ms at start-up (paid by every CLI call) and does not speed up records this small.
import { Packr } from 'msgpackr/pack';
import { RunstateError } from '../errors.js';
import { HASH_SIZE } from './header.js';
import { MAX_PAYLOAD } from './frame.js';
import { readFoldedRecordFast, readRecordFast } from './record-reader.js';
import { MAX_TIME_MS, RECORD_VERSION } from './schema.js';
import { EVENT_TYPES, type Actor, type EventType, type StoredEvent } from './types.js';

export { RECORD_VERSION };

/** A record as stored: the event plus its chain link. `at` is ms since the epoch. */
export interface LogRecord {
  v: number;
  seq: number;
  type: EventType;
  at: number;
  actor: Actor;
  data: Record<string, unknown>;
  prev: Buffer;
}

/** The fields of a record a fold reads: `actor` and `prev` are checked when decoding but not kept. */
export type FoldedRecord = Omit<LogRecord, 'actor' | 'prev'>;

// Plain msgpack maps only: no shared structures or records that live in one process's memory,
// so every record decodes on its own in any process.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, bundleStrings: false });

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

// msgpack of one value, as records encode it.
export function packValue(value: unknown): Buffer {
  return packr.pack(value);
}

// Encode a record payload; refuses one larger than a frame may carry.
export function encodeRecord(rec: LogRecord): Buffer {
  const payload = packr.pack(rec);
  if (payload.length > MAX_PAYLOAD) {
    throw new RunstateError('ETOOLARGE',
      `event "${rec.type}" is ${payload.length} bytes encoded; the limit is ${MAX_PAYLOAD} bytes (shorten annotations, bundle or command)`,
      { size: payload.length, limit: MAX_PAYLOAD });
  }
  return payload;
}

// Decode and check a record payload. A frame with a good checksum but a bad payload is not torn: it is ECORRUPT or EFORMAT.
export function decodeRecord(payload: Uint8Array, file: string, offset: number): LogRecord {
  return decodeRecordAt(payload, 0, payload.length, file, offset);
}

// decodeRecord of the payload held in `buf[start, end)`.
export function decodeRecordAt(buf: Uint8Array, start: number, end: number, file: string, offset: number): LogRecord {
  const rec = readRecordFast(buf, start, end) ?? unpackRecord(buf, start, end, file, offset);
  // `actor` is only informative: it must be there, of any shape (the fold's reader steps over it).
  if (rec === null || typeof rec !== 'object' || !(rec.prev instanceof Uint8Array) || rec.prev.length !== HASH_SIZE || rec.actor === undefined) {
    throw lacksFields(file, offset);
  }
  return checkRecord(rec, file, offset);
}

// decodeRecordAt without building `actor` and `prev`, which a fold does not read. The checks and
// errors are decodeRecordAt's.
export function decodeFoldedRecordAt(buf: Uint8Array, start: number, end: number, file: string, offset: number): FoldedRecord {
  const rec = readFoldedRecordFast(buf, start, end);
  return rec === null ? decodeRecordAt(buf, start, end, file, offset) : checkRecord(rec, file, offset);
}

function unpackRecord(buf: Uint8Array, start: number, end: number, file: string, offset: number): LogRecord | null {
  try {
    return packr.unpack(buf.subarray(start, end)) as LogRecord | null;
  } catch (cause) {
    throw new RunstateError('ECORRUPT', `${file}: record at offset ${offset} does not decode`, { file, offset }, { cause });
  }
}

function lacksFields(file: string, offset: number): RunstateError {
  return new RunstateError('ECORRUPT', `${file}: record at offset ${offset} lacks required fields`, { file, offset });
}

// The checks of a decoded record but `prev`'s: required fields, version, a known type.
function checkRecord<R extends FoldedRecord>(rec: R, file: string, offset: number): R {
  if (rec === null || typeof rec !== 'object' || typeof rec.seq !== 'number' || typeof rec.at !== 'number' || !isMap(rec.data)) {
    throw lacksFields(file, offset);
  }
  // Milliseconds a Date can hold: a time beyond them cannot be a real event's, and formatting it
  // would throw a RangeError far from here.
  if (!(Math.abs(rec.at) <= MAX_TIME_MS)) {
    throw new RunstateError('ECORRUPT', `${file}: record seq ${rec.seq} at offset ${offset} has an impossible time (${String(rec.at)} ms)`, { file, offset, seq: rec.seq });
  }
  if (rec.v !== RECORD_VERSION) {
    throw new RunstateError('EFORMAT', `${file}: record at offset ${offset} has version ${String(rec.v)}; this runstate reads version ${RECORD_VERSION}`, { file, offset });
  }
  if (!KNOWN_TYPES.has(rec.type)) {
    throw new RunstateError('EFORMAT', `${file}: record seq ${rec.seq} at offset ${offset} has unknown event type ${JSON.stringify(rec.type)} (written by a newer runstate?)`, { file, offset, seq: rec.seq });
  }
  // A log's one `created` is its first record: another one would start the state over.
  if ((rec.type === 'created') !== (rec.seq === 1)) {
    throw new RunstateError('ECORRUPT', `${file}: record seq ${rec.seq} at offset ${offset} is ${rec.type === 'created' ? 'a second created record' : `a ${rec.type} record, where the log's created record belongs`}`, { file, offset, seq: rec.seq });
  }
  if (!DATA_CHECKS[rec.type](rec.data)) {
    throw new RunstateError('ECORRUPT', `${file}: record seq ${rec.seq} at offset ${offset} holds data a "${rec.type}" event cannot have`, { file, offset, seq: rec.seq });
  }
  return rec;
}

const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isOptional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v);
const isString = (v: unknown): boolean => typeof v === 'string';
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const isStringMap = (v: unknown, orNull: boolean): boolean =>
  isMap(v) && Object.values(v).every((x) => typeof x === 'string' || (orNull && x === null));

// What each event type's data must hold for a fold to apply it (fields a writer of this version
// may add to a type later are ignored). A record that passes its CRC but fails these was not
// written by runstate: ECORRUPT, never a TypeError deep in a fold.
const DATA_CHECKS: Record<EventType, (d: Record<string, unknown>) => boolean> = {
  created: (d) => isString(d.id) && isString(d.bundle) && isStringMap(d.annotations, false)
    && isOptional(d.command, (c) => Array.isArray(c) && c.every(isString))
    && isOptional(d.pid, isCount) && isOptional(d.pidStart, isCount),
  started: (d) => isCount(d.pid) && isOptional(d.pidStart, isCount),
  paused: () => true,
  resumed: () => true,
  killed: (d) => isString(d.signal),
  exited: (d) => isOptional(d.code, Number.isSafeInteger) && isOptional(d.signal, isString),
  annotated: (d) => isStringMap(d.annotations, true),
  deleted: (d) => isOptional(d.force, (f) => typeof f === 'boolean'),
};

// The time of the record made last, and its ISO form: records appended in one millisecond (many, at
// tens of thousands a second) share it, and formatting a date costs more than the rest of the view.
let lastAtMs = Number.NaN;
let lastAtIso = '';

function isoOf(ms: number): string {
  if (ms !== lastAtMs) {
    lastAtIso = new Date(ms).toISOString();
    lastAtMs = ms;
  }
  return lastAtIso;
}

// The public view of a record.
export function toStoredEvent(rec: LogRecord): StoredEvent {
  return {
    seq: rec.seq,
    type: rec.type,
    at: isoOf(rec.at),
    actor: { pid: rec.actor?.pid ?? 0, uid: rec.actor?.uid ?? 0 },
    data: rec.data,
  } as StoredEvent;
}
