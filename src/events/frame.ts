import { viewOf } from './view.js';

/** Bytes before each payload: u32 length, u32 CRC-32. */
export const FRAME_OVERHEAD = 8;
/** Largest payload a frame may carry. */
export const MAX_PAYLOAD = 64 * 1024;

// Wrap a payload in a frame: length, checksum, payload.
export function encodeFrame(payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_OVERHEAD + payload.length);
  buf.set(payload, FRAME_OVERHEAD);
  sealFrame(buf, 0, payload.length);
  return buf;
}

// Write the length and checksum of a frame built in place: its payload is already at start + 8.
// The checksum covers the length field too, so a damaged length is caught.
export function sealFrame(buf: Buffer, start: number, payloadLength: number): void {
  buf.writeUInt32LE(payloadLength, start);
  const crc = crc32Of(buf, start + FRAME_OVERHEAD, start + FRAME_OVERHEAD + payloadLength, crc32Of(buf, start, start + 4, 0));
  buf.writeUInt32LE(crc, start + 4);
}

/** Why a frame at some offset could not be read. */
export type FrameFault = 'short' | 'length' | 'beyond-eof' | 'checksum';

/** A frame found in a buffer: where its payload is, or why it is bad. */
export type FrameRead =
  | { ok: true; payloadStart: number; end: number }
  | { ok: false; fault: FrameFault };

// The faults frameEnd reports, by its negative return value: -1 is the first.
const FAULTS: readonly FrameFault[] = ['short', 'length', 'beyond-eof', 'checksum'];

// CRC-32 (IEEE, zlib's) of frames, sliced by 16 bytes. zlib's crc32 takes no offsets, so each
// frame would need a view of its payload, and the call alone costs more than checksumming a record
// of ~100 bytes in JavaScript. CRC_TABLES[k][b] is the CRC step of byte b followed by k zero bytes.
const SLICES = 16;
const CRC_TABLES = ((): Int32Array[] => {
  const first = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    first[n] = c;
  }
  const tables = [first];
  for (let k = 1; k < SLICES; k++) tables.push(tables[k - 1].map((c) => first[c & 0xff] ^ (c >>> 8)));
  return tables;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = CRC_TABLES as [
  Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
  Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
];

// CRC-32 of buf[start, end), continuing from `crc` (the CRC of the bytes before them; 0 for none).
export function crc32Of(buf: Uint8Array, start: number, end: number, crc: number): number {
  const dv = viewOf(buf);
  let c = ~crc;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    const a = c ^ dv.getInt32(i, true);
    const b = dv.getInt32(i + 4, true);
    const d = dv.getInt32(i + 8, true);
    const e = dv.getInt32(i + 12, true);
    c = T15[a & 0xff] ^ T14[(a >>> 8) & 0xff] ^ T13[(a >>> 16) & 0xff] ^ T12[a >>> 24]
      ^ T11[b & 0xff] ^ T10[(b >>> 8) & 0xff] ^ T9[(b >>> 16) & 0xff] ^ T8[b >>> 24]
      ^ T7[d & 0xff] ^ T6[(d >>> 8) & 0xff] ^ T5[(d >>> 16) & 0xff] ^ T4[d >>> 24]
      ^ T3[e & 0xff] ^ T2[(e >>> 8) & 0xff] ^ T1[(e >>> 16) & 0xff] ^ T0[e >>> 24];
  }
  for (; i < end; i++) c = T0[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// Where the frame starting at `pos` of `buf` ends (`buf` ends where the data known ends), or, when it
// is not a valid frame, a negative code that frameFault names. Allocates nothing.
export function frameEnd(buf: Buffer, pos: number): number {
  if (buf.length - pos < FRAME_OVERHEAD) return -1;
  const len = buf.readUInt32LE(pos);
  if (len === 0 || len > MAX_PAYLOAD) return -2;
  const end = pos + FRAME_OVERHEAD + len;
  if (end > buf.length) return -3;
  // The checksum covers the length field, then the payload; the checksum field lies between them.
  if (buf.readUInt32LE(pos + 4) !== crc32Of(buf, pos + FRAME_OVERHEAD, end, crc32Of(buf, pos, pos + 4, 0))) return -4;
  return end;
}

// The fault a negative frameEnd result stands for.
export function frameFault(code: number): FrameFault {
  return FAULTS[-code - 1];
}

// Check the frame starting at `pos` of `buf` (whose end is the end of the data known).
export function readFrame(buf: Buffer, pos: number): FrameRead {
  const end = frameEnd(buf, pos);
  return end < 0 ? { ok: false, fault: frameFault(end) } : { ok: true, payloadStart: pos + FRAME_OVERHEAD, end };
}
