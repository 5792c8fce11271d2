import { createRequire } from 'node:module';
import { CRC_INIT, crc32Of, crcShift, crcWord, crcWords } from './crc.js';
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

// Where the frame starting at `pos` of `buf` ends (`buf` ends where the data known ends), or, when it
// is not a valid frame, a negative code that frameFault names. `checked`: the frame lies in a run
// checkedRun vouched for, so its checksum is not computed again. Allocates nothing.
export function frameEnd(buf: Buffer, pos: number, checked = false): number {
  if (buf.length - pos < FRAME_OVERHEAD) return -1;
  const len = buf.readUInt32LE(pos);
  if (len === 0 || len > MAX_PAYLOAD) return -2;
  const end = pos + FRAME_OVERHEAD + len;
  if (end > buf.length) return -3;
  // The checksum covers the length field, then the payload; the checksum field lies between them.
  if (!checked && buf.readUInt32LE(pos + 4) !== crc32Of(buf, pos + FRAME_OVERHEAD, end, crc32Of(buf, pos, pos + 4, 0))) return -4;
  return end;
}

// zlib's CRC-32, loaded on the first large read: a CLI call that reads a few records, which is
// most of them, does not pay the ~6 ms node:zlib takes to load.
let zlibCrc32: ((data: Uint8Array) => number) | undefined;
function nativeCrc32(data: Uint8Array): number {
  zlibCrc32 ??= (createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib')).crc32;
  return zlibCrc32(data);
}

// Check the checksums of the whole frames from `pos` of `buf` on, all at once: where that run of
// frames ends when every checksum in it holds, else `pos` (frameEnd then finds the bad frame).
// One native CRC-32 of the run's bytes, frame fields included, is compared with the CRC the frames'
// own checksums predict for those bytes (see crc.ts): per frame, a few table lookups in place of a
// CRC of its payload. A single damaged frame always shows; damage in several frames of one run
// could cancel out only by chance, once in 2^32.
export function checkedRun(buf: Buffer, pos: number): number {
  const dv = viewOf(buf);
  let r = CRC_INIT;
  let p = pos;
  while (buf.length - p >= FRAME_OVERHEAD) {
    const len = dv.getUint32(p, true);
    if (len === 0 || len > MAX_PAYLOAD || p + FRAME_OVERHEAD + len > buf.length) break;
    const lenField = dv.getInt32(p, true);
    const crcField = dv.getInt32(p + 4, true);
    // The fields take the run's register r to r2 = crcWords(r, …), and the payload takes r2 to
    // shift(r2, len) ⊕ k(payload). The checksum is the same walk from the initial register over the
    // length then the payload: ~checksum = shift(a, len) ⊕ k(payload), a = crcWord(init, length).
    // XOR the two: after the payload, the run's register is shift(r2 ⊕ a, len) ⊕ ~checksum.
    r = crcShift(crcWords(r, lenField, crcField) ^ crcWord(CRC_INIT, lenField), len) ^ ~crcField;
    p += FRAME_OVERHEAD + len;
  }
  return p === pos || ~r >>> 0 === nativeCrc32(buf.subarray(pos, p)) ? p : pos;
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
