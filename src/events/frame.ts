import { crc32 } from 'node:zlib';

/** Bytes before each payload: u32 length, u32 CRC-32. */
export const FRAME_OVERHEAD = 8;
/** Largest payload a frame may carry. */
export const MAX_PAYLOAD = 64 * 1024;

// Checksum of a frame: covers the length field too, so a damaged length is caught.
function frameCrc(lengthField: Buffer, payload: Uint8Array): number {
  return crc32(payload, crc32(lengthField));
}

// Wrap a payload in a frame: length, checksum, payload.
export function encodeFrame(payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_OVERHEAD + payload.length);
  buf.writeUInt32LE(payload.length, 0);
  buf.writeUInt32LE(frameCrc(buf.subarray(0, 4), payload), 4);
  buf.set(payload, FRAME_OVERHEAD);
  return buf;
}

// Write the length and checksum of a frame built in place: its payload is already at start + 8.
export function sealFrame(buf: Buffer, start: number, payloadLength: number): void {
  buf.writeUInt32LE(payloadLength, start);
  const payload = buf.subarray(start + FRAME_OVERHEAD, start + FRAME_OVERHEAD + payloadLength);
  buf.writeUInt32LE(frameCrc(buf.subarray(start, start + 4), payload), start + 4);
}

/** Why a frame at some offset could not be read. */
export type FrameFault = 'short' | 'length' | 'beyond-eof' | 'checksum';

/** A frame found in a buffer: where its payload is, or why it is bad. */
export type FrameRead =
  | { ok: true; payloadStart: number; end: number }
  | { ok: false; fault: FrameFault };

// Check the frame starting at `pos` of `buf` (whose end is the end of the data known).
export function readFrame(buf: Buffer, pos: number): FrameRead {
  if (buf.length - pos < FRAME_OVERHEAD) return { ok: false, fault: 'short' };
  const len = buf.readUInt32LE(pos);
  if (len === 0 || len > MAX_PAYLOAD) return { ok: false, fault: 'length' };
  const end = pos + FRAME_OVERHEAD + len;
  if (end > buf.length) return { ok: false, fault: 'beyond-eof' };
  const payload = buf.subarray(pos + FRAME_OVERHEAD, end);
  if (buf.readUInt32LE(pos + 4) !== frameCrc(buf.subarray(pos, pos + 4), payload)) return { ok: false, fault: 'checksum' };
  return { ok: true, payloadStart: pos + FRAME_OVERHEAD, end };
}
