import fs from 'node:fs';
import { RunstateError } from '../errors.js';
import { checkedRun, frameEnd, frameFault, FRAME_OVERHEAD } from './frame.js';
import { forgetView } from './view.js';

/** The advice a read's ECORRUPT ends with; `verify`, which is what it advises, leaves it out. */
export const VERIFY_HINT = ' — run "runstate verify" and restore from backup or history';

/** Bytes read from a log per system call while scanning. */
const CHUNK = 1 << 20;
/** Buffers this long or longer have their frames' checksums checked at once (checkedRun). */
const RUN_CHECK_MIN = 4096;
/** A zero run this long inside a damaged region marks a write the OS never completed (a lost sector). */
export const ZERO_RUN = 512;
/** How far past a damaged frame the scanner looks for a valid frame. */
const RESYNC_WINDOW = 8 << 20;

/** A damaged tail that readers ignore and the next writer truncates. */
export interface TornTail {
  offset: number;
  bytes: number;
  reason: 'incomplete record' | 'damaged last record' | 'zero-filled region';
}

/** Where a scan stopped: the end of the valid records, and the torn tail after it, if any. */
export interface ScanEnd {
  end: number;
  tail: TornTail | null;
}

/** Called for each valid frame: payload bytes (valid only during the call) and file offsets. Return false to stop. */
export type OnFrame = (payload: Buffer, start: number, end: number) => void | boolean;

/**
 * Called for each valid frame with the buffer holding it: its payload is `buf[payloadStart, payloadEnd)`
 * and it spans `[start, end)` of the file. A buffer read is never reused, so views into it stay valid.
 * Return false to stop.
 */
export type OnFrameAt = (buf: Buffer, payloadStart: number, payloadEnd: number, start: number, end: number) => void | boolean;

// Read exactly `len` bytes at `pos` (short only at end of file).
export function preadFull(fd: number, len: number, pos: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got === len ? buf : buf.subarray(0, got);
}

// Walk the frames of [from, size) in order. Stops at the first bad frame and decides whether it is
// a torn tail (returned) or damage before the tail (ECORRUPT) — see docs/format.md "Recovery".
export function scanFrames(fd: number, file: string, from: number, size: number, onFrame: OnFrame): ScanEnd {
  return scanFramesAt(fd, file, from, size, (buf, payloadStart, payloadEnd, start, end) => onFrame(buf.subarray(payloadStart, payloadEnd), start, end));
}

// scanFrames without a Buffer per frame: long folds make a view only of what they keep. `read`, when
// given, holds the file's bytes from `from` on (never reused by the caller), and is scanned first.
// `runs`: check the frames of large reads all at once (checkedRun). Scans under the exclusive lock
// do without: the first run check of a process loads zlib and optimises code no append runs, ~10 ms
// that would land on every waiter, when a writer catches up on what others appended.
export function scanFramesAt(fd: number, file: string, from: number, size: number, onFrame: OnFrameAt, read?: Buffer, runs = true): ScanEnd {
  try {
    return scanFrom(fd, file, from, size, onFrame, read, runs ? RUN_CHECK_MIN : Infinity);
  } finally {
    forgetView(); // the buffers read here are the scan's
  }
}

function scanFrom(fd: number, file: string, from: number, size: number, onFrame: OnFrameAt, read: Buffer | undefined, runCheckMin: number): ScanEnd {
  let buf: Buffer = read ?? Buffer.alloc(0);
  let bufStart = from;
  let pos = from;
  // Where the frames of buf whose checksums checkedRun vouched for end.
  let checkedTo = buf.length >= runCheckMin ? checkedRun(buf, 0) : 0;
  while (pos < size) {
    const rel = pos - bufStart;
    const relEnd = frameEnd(buf, rel, rel < checkedTo);
    if (relEnd < 0) {
      const fault = frameFault(relEnd);
      const bufEnd = bufStart + buf.length;
      if ((fault === 'short' || fault === 'beyond-eof') && bufEnd < size) {
        // The frame runs past what is buffered, not past the file: read on from it, into a new buffer
        // (views into the old one may still be held).
        const want = fault === 'beyond-eof' ? FRAME_OVERHEAD + buf.readUInt32LE(rel) : FRAME_OVERHEAD;
        buf = preadFull(fd, Math.min(Math.max(CHUNK, want), size - pos), pos);
        bufStart = pos;
        checkedTo = buf.length >= runCheckMin ? checkedRun(buf, 0) : 0;
        continue;
      }
      return { end: pos, tail: classifyDamage(fd, file, pos, size, fault) };
    }
    const end = bufStart + relEnd;
    if (onFrame(buf, rel + FRAME_OVERHEAD, relEnd, pos, end) === false) return { end, tail: null };
    pos = end;
  }
  return { end: pos, tail: null };
}

// A bad frame at `offset`: torn if nothing valid follows it, or if the damaged stretch holds a
// zero-filled run (a region the OS had not written back when it crashed); else mid-log corruption.
function classifyDamage(fd: number, file: string, offset: number, size: number, fault: string): TornTail {
  const region = preadFull(fd, Math.min(size - offset, RESYNC_WINDOW), offset);
  let next = -1;
  for (let p = 1; p + FRAME_OVERHEAD <= region.length; p++) {
    if (frameEnd(region, p) > 0) { next = p; break; }
  }
  const bytes = size - offset;
  if (next === -1 && region.length === bytes) {
    const reason = fault === 'beyond-eof' || fault === 'short' ? 'incomplete record'
      : isAllZero(region) ? 'zero-filled region' : 'damaged last record';
    return { offset, bytes, reason };
  }
  const damaged = next === -1 ? region : region.subarray(0, next);
  if (isAllZero(damaged) || longestZeroRun(damaged) >= ZERO_RUN) return { offset, bytes, reason: 'zero-filled region' };
  const after = next === -1 ? `followed by more than ${RESYNC_WINDOW >> 20} MiB of bytes that are neither records nor zeros` : 'with valid records after it';
  throw new RunstateError('ECORRUPT',
    `${file}: damaged record at offset ${offset} (${fault === 'checksum' ? 'checksum mismatch' : `bad frame: ${fault}`}) ${after}; `
    + `the log is corrupt before its tail${VERIFY_HINT}`,
    { file, offset });
}

function isAllZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function longestZeroRun(b: Buffer): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < b.length; i++) {
    run = b[i] === 0 ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}
