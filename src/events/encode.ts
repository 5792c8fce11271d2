// The append path's record encoder. A record's payload is a msgpack map of seven keys, of which
// only `seq`, `at` and `prev` depend on the log's head. Everything else (the event's type and data,
// the actor) is encoded before the lock is taken, and the three head-dependent values are spliced
// in under it. The bytes are exactly what `encodeRecord` (msgpackr) makes of the same record — a
// test holds the two to that — so the format keeps one definition, and the lock is held for a
// copy instead of a pack.
import { RunstateError } from '../errors.js';
import { FRAME_OVERHEAD, MAX_PAYLOAD, sealFrame } from './frame.js';
import { HASH_SIZE } from './header.js';
import { packValue, RECORD_VERSION } from './record.js';
import type { Actor, LifecycleEvent } from './types.js';

/** An event whose record is encoded but for `seq`, `at` and `prev`. */
export interface PreparedEvent {
  readonly event: LifecycleEvent;
  /** The encoded `type` pair and the `at` key: what lies between `seq`'s value and `at`'s. */
  readonly mid: Buffer;
  /** The `actor` and `data` pairs and the `prev` key with its bin8 header: what lies between `at`'s value and the hash. */
  readonly tail: Buffer;
}

// The record's keys in order — v, seq, type, at, actor, data, prev — in msgpackr's form: a map16
// header for a plain object, fixstr keys.
const HEAD = Buffer.concat([Buffer.from([0xde, 0x00, 0x07]), packValue('v'), packValue(RECORD_VERSION), packValue('seq')]);
const TYPE_KEY = packValue('type');
const AT_KEY = packValue('at');
const ACTOR_KEY = packValue('actor');
const DATA_KEY = packValue('data');
const PREV_KEY = Buffer.concat([packValue('prev'), Buffer.from([0xc4, HASH_SIZE])]);
// The same few bytes for every record of a type, and of this process: encoded once.
const mids = new Map<string, Buffer>();
function midOf(type: string): Buffer {
  let b = mids.get(type);
  if (b === undefined) mids.set(type, b = Buffer.concat([TYPE_KEY, packValue(type), AT_KEY]));
  return b;
}
let lastActor: { actor: Actor; bytes: Buffer } | null = null;
function actorPart(actor: Actor): Buffer {
  if (lastActor === null || lastActor.actor !== actor) lastActor = { actor, bytes: Buffer.concat([ACTOR_KEY, packValue(actor), DATA_KEY]) };
  return lastActor.bytes;
}

/** The longest encoding of a number here: float64, 9 bytes. */
const NUMBER_MAX = 9;

// Encode everything of `event`'s record that does not depend on the log's head. No lock is needed.
// An event whose record could not fit in a frame is refused here, before anything is locked.
export function prepareEvent(event: LifecycleEvent, actor: Actor): PreparedEvent {
  const mid = midOf(event.type);
  const tail = Buffer.concat([actorPart(actor), packValue(event.data), PREV_KEY]);
  const longest = HEAD.length + NUMBER_MAX + mid.length + NUMBER_MAX + tail.length + HASH_SIZE;
  if (longest > MAX_PAYLOAD) {
    throw new RunstateError('ETOOLARGE',
      `event "${event.type}" is ${longest} bytes encoded; the limit is ${MAX_PAYLOAD} bytes (shorten annotations, bundle or command)`,
      { size: longest, limit: MAX_PAYLOAD });
  }
  return { event, mid, tail };
}

/** One framed record in a buffer of several. */
export interface EncodedRecord {
  /** Offset of the frame in the buffer. */
  start: number;
  /** The payload (a view into the buffer), what the record's hash is taken of. */
  payload: Buffer;
}

// Frame prepared records with their seq, time and chain link: `prevOf(i)` gives record i's `prev`
// (the head's hash for the first, the previous record's hash for the others). One buffer holds all.
export function encodeFrames(
  events: readonly PreparedEvent[], firstSeq: number, at: number, prevOf: (i: number, records: EncodedRecord[]) => Uint8Array,
): { bytes: Buffer; records: EncodedRecord[] } {
  let size = 0;
  for (const p of events) size += FRAME_OVERHEAD + HEAD.length + NUMBER_MAX + p.mid.length + NUMBER_MAX + p.tail.length + HASH_SIZE;
  const buf = Buffer.allocUnsafe(size);
  const records: EncodedRecord[] = [];
  let pos = 0;
  for (let i = 0; i < events.length; i++) {
    const p = events[i]!;
    const start = pos;
    let o = start + FRAME_OVERHEAD;
    o += HEAD.copy(buf, o);
    o = writeNumber(buf, o, firstSeq + i);
    o += p.mid.copy(buf, o);
    o = writeNumber(buf, o, at);
    o += p.tail.copy(buf, o);
    const prev = prevOf(i, records);
    if (prev.length !== HASH_SIZE) throw new TypeError(`prev must be ${HASH_SIZE} bytes, got ${prev.length}`);
    buf.set(prev, o);
    o += HASH_SIZE;
    sealFrame(buf, start, o - start - FRAME_OVERHEAD);
    records.push({ start, payload: buf.subarray(start + FRAME_OVERHEAD, o) });
    pos = o;
  }
  return { bytes: buf.subarray(0, pos), records };
}

// A non-negative number as msgpackr writes it: the smallest unsigned form below 2^32, float64 above
// (and for fractions). Anything else goes through msgpackr itself.
function writeNumber(buf: Buffer, o: number, v: number): number {
  if (Number.isInteger(v) && v >= 0 && v < 0x1_0000_0000) {
    if (v < 0x80) { buf[o] = v; return o + 1; }
    if (v < 0x100) { buf[o] = 0xcc; buf[o + 1] = v; return o + 2; }
    if (v < 0x10000) { buf[o] = 0xcd; buf.writeUInt16BE(v, o + 1); return o + 3; }
    buf[o] = 0xce;
    buf.writeUInt32BE(v, o + 1);
    return o + 5;
  }
  if (v >= 0) {
    buf[o] = 0xcb;
    buf.writeDoubleBE(v, o + 1);
    return o + 9;
  }
  const b = packValue(v);
  return o + b.copy(buf, o);
}
