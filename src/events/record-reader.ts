// The fast path of decoding a record payload. msgpackr builds every map through one generic
// property store and makes a string for every key; a record holds four small maps, which puts
// msgpackr at 1–2 µs a record, most of a replay's time. This reader knows the record's seven keys
// and builds the record with one fixed shape; inside `actor` and `data` it reads the msgpack types
// records are made of and reuses key strings. On anything else — 64-bit integers, float32, ext
// types, non-ASCII strings, keys that are not short ASCII strings, a missing, repeated or unknown
// record key, bytes that do not parse — it gives up, and the caller decodes the payload with
// msgpackr, whose values and errors stay the reference. So wherever this reader returns a record,
// msgpackr returns an equal one.
import { HASH_SIZE } from './header.js';
import type { FoldedRecord, LogRecord } from './record.js';
import { MAX_TIME_MS, RECORD_VERSION } from './schema.js';
import { viewOf } from './view.js';

/** Thrown, never seen outside this module: the payload needs msgpackr. */
const GIVE_UP = Symbol('give up');

/** The record's keys, in the order the writer puts them. */
const KEYS = ['v', 'seq', 'type', 'at', 'actor', 'data', 'prev'] as const;
const ALL_KEYS = (1 << KEYS.length) - 1;
/** Each key as one number, its length then its bytes (at most 5) in base 256: one comparison a key. */
const KEY_CODES = KEYS.map((key) => [...key].reduce((code, c) => code * 256 + c.charCodeAt(0), key.length));
const ACTOR = 4;
const PREV = 6;

const EMPTY = new Uint8Array(0);
// The payload being read: `src[pos, end)`. Module state, like msgpackr's, so that the readers
// below are plain functions V8 can inline.
let src: Uint8Array = EMPTY;
let pos = 0;
let end = 0;
/** A view of src's bytes, for multi-byte loads (msgpack's numbers are big-endian, as DataView's default). */
const NO_VIEW = viewOf(EMPTY);
let dv = NO_VIEW;
/** Short strings (keys, event types) by a hash of their bytes: the same few recur in every record. */
const stringCache: (string | undefined)[] = new Array(1024);
const utf8 = new TextDecoder();

// Decode a record payload held in `buf[start, stop)`, or null when only msgpackr can.
export function readRecordFast(buf: Uint8Array, start: number, stop: number): LogRecord | null {
  return read(buf, start, stop, true) as LogRecord | null;
}

// The fields of a record a fold uses, or null when only msgpackr can decode the payload. `prev` is
// checked to be a hash-sized bin and `actor` to be well-formed msgpack, but neither is built.
export function readFoldedRecordFast(buf: Uint8Array, start: number, stop: number): FoldedRecord | null {
  return read(buf, start, stop, false);
}

function read(buf: Uint8Array, start: number, stop: number, whole: boolean): FoldedRecord | LogRecord | null {
  src = buf;
  dv = viewOf(buf);
  pos = start;
  end = stop;
  try {
    const n = mapLength();
    let seen = 0;
    let v: unknown, seq: unknown, type: unknown, at: unknown, actor: unknown, data: unknown, prev: unknown;
    for (let i = 0; i < n; i++) {
      const k = recordKey(i);
      if (k < 0 || (seen & (1 << k)) !== 0) throw GIVE_UP;
      seen |= 1 << k;
      if (!whole && k === ACTOR) skip();
      else if (!whole && k === PREV) skipPrev();
      else {
        switch (k) { // KEYS[k]
          case 0: v = value(); break;
          case 1: seq = value(); break;
          case 2: type = shortString(); break;
          case 3: at = value(); break;
          case 4: actor = value(); break;
          case 5: data = value(); break;
          default: prev = value(); break;
        }
      }
    }
    if (seen !== ALL_KEYS || pos !== end) throw GIVE_UP;
    return whole ? { v, seq, type, at, actor, data, prev } as LogRecord : { v, seq, type, at, data } as FoldedRecord;
  } catch (err) {
    // A RangeError is a stack overflow on deep nesting: msgpackr decides what such a payload is.
    if (err === GIVE_UP || err instanceof RangeError) return null;
    throw err;
  } finally {
    // Do not keep the caller's buffer alive (a scan's view of it is forgotten when the scan ends).
    src = EMPTY;
    dv = NO_VIEW;
  }
}

/** The record types read field by field: the ones a long history is made of. */
export type FastType = 'annotated' | 'paused' | 'resumed';

/**
 * What readFastRecord read, overwritten by its next call: the record's seq, type and time, and for
 * `annotated`, its annotations as `pairs[0, pairCount)` = key, value, key, value…
 */
export const fastRecord = { seq: 0, type: 'annotated' as FastType, at: 0, pairs: [] as unknown[], pairCount: 0 };

/** Type codes of the fast types; other types are rare in a long history. */
const NOT_FAST = 0;
const ANNOTATED = 1;
const FAST_TYPES = ['', 'annotated', 'paused', 'resumed'] as const;
/** The bytes of a msgpack fixstr (header byte first). */
const fixstr = (text: string): number[] => [0xa0 + text.length, ...Buffer.from(text, 'latin1')];

/** Bytes a record holds at a known place, compared four at a time: as big-endian 32-bit words, then the bytes left. */
interface Pattern {
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}
function pattern(bytes: number[]): Pattern {
  const b = Uint8Array.from(bytes);
  const view = new DataView(b.buffer);
  return { bytes: b, words: Int32Array.from({ length: b.length >> 2 }, (_, i) => view.getInt32(4 * i)) };
}

// What the writer puts between the values of a record (see encode.ts), as msgpackr encodes it: a map16
// of the seven keys in their order, `v` and its value, then the key of each next field. A record encoded
// otherwise (a fixmap, another key order) is valid too, but rare enough to be left to the full decode.
// RECORD_VERSION is below 128, a one-byte positive fixint.
const HEAD = pattern([0xde, 0x00, KEYS.length, ...fixstr('v'), RECORD_VERSION, ...fixstr('seq')]);
/** For each fast type: the `type` key, the type, and the `at` key. */
const MIDS = FAST_TYPES.map((type) => pattern([...fixstr('type'), ...fixstr(type), ...fixstr('at')]));
const ACTOR_KEY = pattern(fixstr('actor'));
/** The actor as the writer makes it, a map16 of `pid` then `uid`, up to `pid`'s value. */
const ACTOR_PID = pattern([0xde, 0x00, 0x02, ...fixstr('pid')]);
const UID_KEY = pattern(fixstr('uid'));
const DATA_KEY = pattern(fixstr('data'));
/** The `prev` key and the header of a bin 8 of a hash's size. */
const PREV_KEY = pattern([...fixstr('prev'), 0xc4, HASH_SIZE]);
const ANNOTATIONS_KEY = pattern(fixstr('annotations'));
/** More annotations in one record than this go the slow path (the check for repeated keys is quadratic). */
const MAX_FAST_ANNOTATIONS = 32;

// Read an `annotated`, `paused` or `resumed` record payload held in `buf[start, stop)` into
// fastRecord without building it: a fold needs its seq, time, type and annotations, and building
// each record's objects costs several times more than reading it. The record is checked in full —
// its seq is `seq`, and everything decodeRecordAt checks. False for anything this reader does not
// take (another record type, another encoding of the map or its keys, a repeated key, the value
// kinds readRecordFast gives up on): the caller then decodes the record with decodeRecordAt, whose
// results and errors stay the reference. An `annotated` record as this library writes it is read by
// readWriterLayout; any other, or one that strays from that layout, by readAnyLayout.
export function readFastRecord(buf: Uint8Array, start: number, stop: number, seq: number): boolean {
  const r = readWriterLayout(buf, start, stop, seq);
  return r === UNSURE ? readAnyLayout(buf, start, stop, seq) : r === YES;
}

// readFastRecord for any encoding it takes. Written with small readers of its own rather than
// value(), so that V8 may inline them.
function readAnyLayout(buf: Uint8Array, start: number, stop: number, seq: number): boolean {
  src = buf;
  dv = viewOf(buf);
  pos = start;
  end = stop;
  fastRecord.pairCount = 0;
  try {
    if (!next(HEAD) || uint() !== seq) return false;
    const type = fastType();
    if (type === NOT_FAST) return false;
    const at = time();
    if (!(Math.abs(at) <= MAX_TIME_MS) || !next(ACTOR_KEY)) return false;
    skipActor();
    if (!next(DATA_KEY)) return false;
    if (type === ANNOTATED ? !readAnnotatedData() : !skipObject()) return false;
    if (!next(PREV_KEY) || end - pos !== HASH_SIZE) return false;
    fastRecord.seq = seq;
    fastRecord.type = FAST_TYPES[type] as FastType;
    fastRecord.at = at;
    return true;
  } catch (err) {
    if (err === GIVE_UP || err instanceof RangeError) return false;
    throw err;
  } finally {
    src = EMPTY;
    dv = NO_VIEW;
  }
}

/** What readWriterLayout found. */
const NO = 0;
const YES = 1;
const UNSURE = 2;

/** Fixed bytes compared as big-endian 32-bit words at given offsets: [offset, word, offset, word…]. */
type Words = Int32Array;
// The words of `bytes` (at least 4): one per 4 bytes, the last overlapping the one before it when the
// length is not a multiple of 4, so that no byte is compared on its own.
function words(bytes: Uint8Array): Words {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) at.push(i);
  if (bytes.length % 4 !== 0) at.push(bytes.length - 4);
  return Int32Array.from(at.flatMap((i) => [i, view.getInt32(i)]));
}
// Whether the bytes at `p` are those of `w` (the caller made sure that they are all in the payload).
function same(view: DataView, p: number, w: Words): boolean {
  for (let i = 0; i < w.length; i += 2) if (view.getInt32(p + w[i]!) !== w[i + 1]) return false;
  return true;
}

// The fixed stretches of a record as encode.ts writes it, each up to the next value:
const W_HEAD = words(HEAD.bytes); // the map header, `v` and its value, the `seq` key
const W_MID_ANNOTATED = words(MIDS[ANNOTATED]!.bytes); // `type`, "annotated", the `at` key
/** `actor` key, then `{pid:` (the map16 the writer makes). */
const W_ACTOR = words(Uint8Array.from([...ACTOR_KEY.bytes, ...ACTOR_PID.bytes]));
const W_UID = words(UID_KEY.bytes);
/** `data` key, then `{annotations:` (msgpackr writes a map16 for each object). */
const W_DATA_ANNOTATIONS = words(Uint8Array.from([...DATA_KEY.bytes, 0xde, 0x00, 0x01, ...ANNOTATIONS_KEY.bytes]));
const W_PREV = words(PREV_KEY.bytes);
/** Bytes from the `actor` key to pid's value; from the `data` key to the annotations' map. */
const ACTOR_LEN = ACTOR_KEY.bytes.length + ACTOR_PID.bytes.length;
const DATA_ANNOTATIONS_LEN = DATA_KEY.bytes.length + 3 + ANNOTATIONS_KEY.bytes.length;
/** The shortest such record with a 5-byte seq: shorter ones are left to readAnyLayout. */
const MIN_WRITER_LAYOUT = HEAD.bytes.length + 5 + MIDS[ANNOTATED]!.bytes.length + 9 + ACTOR_LEN + 1
  + UID_KEY.bytes.length + 1 + DATA_ANNOTATIONS_LEN + 1 + PREV_KEY.bytes.length + HASH_SIZE;

/** The mask of an integer's value bytes in the last 4 bytes of its encoding, by its size (intSize). */
const INT_VALUE_MASK = Int32Array.of(0, 0xff, 0xff, 0xffff, 0, -1);

// readFastRecord for the `annotated` records of a long history, laid out exactly as this library
// writes them (seq, a float64 time, an actor of small integers, data of one `annotations` map of
// short ASCII strings or nils) read with local variables only, so that how fast it runs does not
// depend on which helpers the JIT chose to inline. YES when read into fastRecord; NO when the record
// is bad in a way readAnyLayout would reject too (a wrong seq); UNSURE for anything else, which
// readAnyLayout then reads (or rejects) from the start.
//
// No branch a long history may take late holds a call or a property access of its own: V8 compiles
// such a site, never reached while it gathered feedback, as a deoptimisation, and the first record to
// reach it (the first seq past 65535, the first annotation removed) would send this whole function
// back to the interpreter in the middle of a fold, under the lock. So one load reads every size of
// seq, one store takes a value or a nil, and a key not in the cache goes to readAnyLayout once.
function readWriterLayout(buf: Uint8Array, start: number, stop: number, seq: number): number {
  const view = viewOf(buf);
  let p = start;
  if (stop - p < MIN_WRITER_LAYOUT || !same(view, p, W_HEAD)) return UNSURE;
  p += HEAD.bytes.length;
  // seq: a fixint, or a uint 8/16/32, whose value bytes end its encoding (the head is before it)
  const t = buf[p]!;
  let size = intSize(t);
  if (size === 0 || (size === 1 && t >= 0x80)) return UNSURE;
  p += size;
  if ((view.getInt32(p - 4) & INT_VALUE_MASK[size]!) >>> 0 !== seq) return NO;
  if (!same(view, p, W_MID_ANNOTATED)) return UNSURE;
  p += MIDS[ANNOTATED]!.bytes.length;
  if (buf[p] !== 0xcb) return UNSURE;
  const at = view.getFloat64(p + 1);
  p += 9;
  if (!(Math.abs(at) <= MAX_TIME_MS) || !same(view, p, W_ACTOR)) return UNSURE;
  p += ACTOR_LEN;
  // pid and uid: fixints or uint 8/16/32, each followed by what comes after it
  size = intSize(buf[p]!);
  if (size === 0 || stop - p < size + UID_KEY.bytes.length || !same(view, p + size, W_UID)) return UNSURE;
  p += size + UID_KEY.bytes.length;
  size = intSize(buf[p]!);
  if (size === 0 || stop - p < size + DATA_ANNOTATIONS_LEN + 3 || !same(view, p + size, W_DATA_ANNOTATIONS)) return UNSURE;
  p += size + DATA_ANNOTATIONS_LEN;
  // The annotations: a map16 (or fixmap) of fixstr keys and fixstr or nil values, distinct ASCII keys
  let m = buf[p]!;
  if (m === 0xde) m = view.getUint16(p + 1), p += 3;
  else if (m >= 0x80 && m <= 0x8f) m -= 0x80, p += 1;
  else return UNSURE;
  if (m > MAX_FAST_ANNOTATIONS) return UNSURE;
  const { pairs } = fastRecord;
  let count = 0;
  for (let i = 0; i < m; i++) {
    const keyLen = (buf[p]! - 0xa0) | 0;
    if (keyLen < 0 || keyLen > 31 || stop - p < keyLen + 2) return UNSURE;
    const key = keyAt(buf, p + 1, keyLen);
    if (key === undefined) return UNSURE;
    for (let k = 0; k < count; k += 2) if (pairs[k] === key) return UNSURE;
    p += 1 + keyLen;
    // A nil is read as the empty string's bytes are, then taken for what it is.
    const nil = buf[p] === 0xc0;
    const valueLen = nil ? 0 : (buf[p]! - 0xa0) | 0;
    if (valueLen < 0 || valueLen > 31 || stop - p < valueLen + 1) return UNSURE;
    const text = asciiAt(buf, p + 1, valueLen);
    if (text === undefined) return UNSURE;
    pairs[count++] = key;
    pairs[count++] = nil ? null : text;
    p += 1 + valueLen;
  }
  if (stop - p !== PREV_KEY.bytes.length + HASH_SIZE || !same(view, p, W_PREV)) return UNSURE;
  fastRecord.pairCount = count;
  fastRecord.seq = seq;
  fastRecord.type = 'annotated';
  fastRecord.at = at;
  return YES;
}

// The size of the fixint or uint 8/16/32 whose first byte is `t`, or 0.
function intSize(t: number): number {
  return t < 0x80 || t >= 0xe0 ? 1 : t === 0xcc ? 2 : t === 0xcd ? 3 : t === 0xce ? 5 : 0;
}

// The ASCII string of buf[p, p + len), or undefined when a byte is not ASCII.
function asciiAt(buf: Uint8Array, p: number, len: number): string | undefined {
  let s = '';
  for (let i = p; i < p + len; i++) {
    const c = buf[i]!;
    if (c > 0x7f) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

// A map key of buf[p, p + len): the cached string of these bytes, or undefined when the cache does
// not hold them (the general reader then reads the record and caches its keys) or holds `__proto__`,
// which only the full decode takes.
function keyAt(buf: Uint8Array, p: number, len: number): string | undefined {
  const s = cachedAt(buf, p, len);
  return s === '__proto__' ? undefined : s;
}

// Step over a record's actor: {pid, uid} with small integers, as written, without walking it as
// any value; anything else through skip(), from the same place.
function skipActor(): void {
  const from = pos;
  if (next(ACTOR_PID) && smallInt() && next(UID_KEY) && smallInt()) return;
  pos = from;
  skip();
}

// Step over a positive or negative fixint, or a uint 8/16/32, if one comes next.
function smallInt(): boolean {
  if (pos >= end) return false;
  const n = intSize(src[pos]);
  if (n === 0 || end - pos < n) return false;
  pos += n;
  return true;
}

// Step over the bytes of `p` if they come next.
function next(p: Pattern): boolean {
  const { bytes, words } = p;
  const n = bytes.length;
  if (end - pos < n) return false;
  let i = 0;
  for (; i < words.length; i++) if (dv.getInt32(pos + 4 * i) !== words[i]) return false;
  for (i *= 4; i < n; i++) if (src[pos + i] !== bytes[i]) return false;
  pos += n;
  return true;
}

// An unsigned integer of up to 32 bits, as value() reads it.
function uint(): number {
  const t = u8();
  if (t < 0x80) return t;
  if (t === 0xcc) return u8();
  if (t === 0xcd) return u16();
  if (t === 0xce) return u32();
  throw GIVE_UP;
}

// A record's time: a float64, or an unsigned integer.
function time(): number {
  if (pos < end && src[pos] === 0xcb) {
    pos++;
    return float64();
  }
  return uint();
}

// Which fast type the event type that comes next is (NOT_FAST for any other), stepping over it if fast.
function fastType(): number {
  for (let k = 1; k < MIDS.length; k++) if (next(MIDS[k]!)) return k;
  return NOT_FAST;
}

// An `annotated` record's data: a map whose `annotations` key (once) holds a map of distinct keys,
// collected into fastRecord's pairs; other keys are stepped over, as applyEvent ignores them. False when the
// record needs the slow path.
function readAnnotatedData(): boolean {
  const n = objectMapLength();
  if (n < 0) return false;
  let found = false;
  for (let i = 0; i < n; i++) {
    if (!next(ANNOTATIONS_KEY)) {
      mapKey(); // checked as map() would
      skip();
      continue;
    }
    if (found) return false;
    found = true;
    const m = objectMapLength();
    if (m < 0 || m > MAX_FAST_ANNOTATIONS) return false;
    for (let j = 0; j < m; j++) {
      const key = mapKey();
      // A repeated key would be folded once, with its last value, by the slow path.
      const { pairs } = fastRecord;
      for (let k = 0; k < fastRecord.pairCount; k += 2) if (pairs[k] === key) return false;
      pairs[fastRecord.pairCount++] = key;
      pairs[fastRecord.pairCount++] = annotationValue();
    }
  }
  return found;
}

// An annotation's value: a string or nil (any other kind is for the slow path, which refuses it).
function annotationValue(): string | null {
  const t = pos < end ? src[pos] : 0;
  if (t >= 0xa0 && t <= 0xbf) {
    pos++;
    return string(t - 0xa0);
  }
  if (t === 0xc0) {
    pos++;
    return null;
  }
  const v = value();
  if (typeof v !== 'string') throw GIVE_UP;
  return v;
}

// Step over a record's data, which must be a map. False otherwise.
function skipObject(): boolean {
  const t = pos < end ? src[pos] : 0;
  if (!((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf)) return false;
  skip();
  return true;
}

// The length of the map that comes next, or -1 when the next value is not a map.
function objectMapLength(): number {
  const t = pos < end ? src[pos] : 0;
  if (!((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf)) return -1;
  return mapLength();
}

function u8(): number {
  if (pos >= end) throw GIVE_UP;
  return src[pos++];
}

function u16(): number {
  if (end - pos < 2) throw GIVE_UP;
  const x = (src[pos] << 8) | src[pos + 1];
  pos += 2;
  return x;
}

function u32(): number {
  if (end - pos < 4) throw GIVE_UP;
  const x = ((src[pos] << 24) | (src[pos + 1] << 16) | (src[pos + 2] << 8) | src[pos + 3]) >>> 0;
  pos += 4;
  return x;
}

function mapLength(): number {
  const t = u8();
  if (t >= 0x80 && t <= 0x8f) return t - 0x80;
  if (t === 0xde) return u16();
  if (t === 0xdf) return u32();
  throw GIVE_UP;
}

// Which of KEYS the next key is (trying the writer's order first), or -1.
function recordKey(hint: number): number {
  const len = u8() - 0xa0;
  if (len < 1 || len > 5 || end - pos < len) return -1;
  let code = len;
  for (let i = 0; i < len; i++) code = code * 256 + src[pos++];
  return KEY_CODES[hint] === code ? hint : KEY_CODES.indexOf(code);
}

function value(): unknown {
  const t = u8();
  if (t < 0x80) return t;
  if (t < 0x90) return map(t - 0x80);
  if (t < 0xa0) return array(t - 0x90);
  if (t < 0xc0) return string(t - 0xa0);
  if (t >= 0xe0) return t - 0x100;
  switch (t) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xc4: return bin(u8());
    case 0xc5: return bin(u16());
    case 0xc6: return bin(u32());
    case 0xcb: return float64();
    case 0xcc: return u8();
    case 0xcd: return u16();
    case 0xce: return u32();
    case 0xd0: return (u8() << 24) >> 24;
    case 0xd1: return (u16() << 16) >> 16;
    case 0xd2: return u32() | 0;
    case 0xd9: return string(u8());
    case 0xda: return string(u16());
    case 0xdb: return string(u32());
    case 0xdc: return array(u16());
    case 0xdd: return array(u32());
    case 0xde: return map(u16());
    case 0xdf: return map(u32());
    default: throw GIVE_UP;
  }
}

// Step over a value that value() would read, giving up where it would.
function skip(): void {
  const t = u8();
  if (t < 0x80 || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return;
  if (t < 0x90) return skipMap(t - 0x80);
  if (t < 0xa0) return skipArray(t - 0x90);
  if (t < 0xc0) return skipBytes(t - 0xa0, true);
  switch (t) {
    case 0xc4: return skipBytes(u8(), false);
    case 0xc5: return skipBytes(u16(), false);
    case 0xc6: return skipBytes(u32(), false);
    case 0xcb: return skipBytes(8, false);
    case 0xcc: case 0xd0: return skipBytes(1, false);
    case 0xcd: case 0xd1: return skipBytes(2, false);
    case 0xce: case 0xd2: return skipBytes(4, false);
    case 0xd9: return skipBytes(u8(), true);
    case 0xda: return skipBytes(u16(), true);
    case 0xdb: return skipBytes(u32(), true);
    case 0xdc: return skipArray(u16());
    case 0xdd: return skipArray(u32());
    case 0xde: return skipMap(u16());
    case 0xdf: return skipMap(u32());
    default: throw GIVE_UP;
  }
}

function skipMap(n: number): void {
  for (let i = 0; i < n; i++) {
    const t = u8();
    if (t < 0xa0 || t > 0xbf) throw GIVE_UP;
    skipBytes(t - 0xa0, true);
    skip();
  }
}

function skipArray(n: number): void {
  if (n > end - pos) throw GIVE_UP;
  for (let i = 0; i < n; i++) skip();
}

function skipBytes(n: number, isString: boolean): void {
  if (end - pos < n) throw GIVE_UP;
  if (isString) for (let i = pos; i < pos + n; i++) if (src[i] > 0x7f) throw GIVE_UP;
  pos += n;
}

// Step over `prev`, which must be a bin 8 of a hash's size (else msgpackr's decode reports the record).
function skipPrev(): void {
  if (end - pos < 2 + HASH_SIZE || src[pos] !== 0xc4 || src[pos + 1] !== HASH_SIZE) throw GIVE_UP;
  pos += 2 + HASH_SIZE;
}

function map(n: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = mapKey();
    o[key] = value();
  }
  return o;
}

function array(n: number): unknown[] {
  // Every element takes a byte at least: a longer array cannot be in the payload.
  if (n > end - pos) throw GIVE_UP;
  const a = new Array<unknown>(n);
  for (let i = 0; i < n; i++) a[i] = value();
  return a;
}

function bin(n: number): Uint8Array {
  if (end - pos < n) throw GIVE_UP;
  return src.subarray(pos, (pos += n));
}

function float64(): number {
  if (end - pos < 8) throw GIVE_UP;
  const x = dv.getFloat64(pos);
  pos += 8;
  return x;
}

// An ASCII string; msgpackr decodes those to the same string on each of its paths.
function string(n: number): string {
  if (end - pos < n) throw GIVE_UP;
  const start = pos;
  pos += n;
  for (let i = start; i < pos; i++) if (src[i] > 0x7f) throw GIVE_UP;
  if (n > 32) return utf8.decode(src.subarray(start, pos));
  let s = '';
  let i = start;
  for (; i + 4 <= pos; i += 4) s += String.fromCharCode(src[i], src[i + 1], src[i + 2], src[i + 3]);
  for (; i < pos; i++) s += String.fromCharCode(src[i]);
  return s;
}

// A map key: a short ASCII string (msgpackr renames `__proto__`, and turns other keys into strings).
function mapKey(): string {
  const t = u8();
  if (t < 0xa0 || t > 0xbf) throw GIVE_UP;
  const key = cachedString(t - 0xa0);
  if (key === '__proto__') throw GIVE_UP;
  return key;
}

// The event type: one of a few strings, so taken from the cache too.
function shortString(): unknown {
  const t = pos < end ? src[pos] : 0;
  if (t < 0xa0 || t > 0xbf) return value();
  pos++;
  return cachedString(t - 0xa0);
}

// The stringCache slot of the string of buf[p, p + len), by all its bytes.
function stringHash(buf: Uint8Array, p: number, len: number): number {
  let h = len;
  for (let i = p; i < p + len; i++) h = Math.imul(h, 31) + buf[i]! | 0;
  return (h ^ (h >>> 10)) & 0x3ff;
}

// The string stringCache holds for the bytes of buf[p, p + len), if it holds them.
function cachedAt(buf: Uint8Array, p: number, len: number): string | undefined {
  const s = stringCache[stringHash(buf, p, len)];
  let hit = s !== undefined && s.length === len;
  for (let i = 0; i < len && hit; i++) hit = s!.charCodeAt(i) === buf[p + i];
  return hit ? s : undefined;
}

// An ASCII string of fewer than 32 bytes, the same string each time the same bytes recur.
function cachedString(len: number): string {
  if (end - pos < len) throw GIVE_UP;
  const cached = cachedAt(src, pos, len);
  if (cached !== undefined) {
    pos += len;
    return cached;
  }
  // A collision costs a new string here, and a record read by this reader in keyAt.
  const h = stringHash(src, pos, len);
  const s = string(len);
  stringCache[h] = s;
  return s;
}
