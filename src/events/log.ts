import fs from 'node:fs';
import { RunstateError } from '../errors.js';
import { decodeHeader, HEADER_SIZE, type LogHeader } from './header.js';
import { decodeRecordAt, type LogRecord } from './record.js';
import { preadFull, scanFramesAt, type ScanEnd } from './scan.js';

const { O_RDONLY, O_RDWR, O_NOFOLLOW } = fs.constants;

/** An open log segment. */
export interface OpenLog {
  fd: number;
  file: string;
  header: LogHeader;
  size: number;
  ino: number;
  /**
   * Opened for writing, which happens only under the container's exclusive lock. Scans of such a
   * log check each frame alone: work under the lock stays as predictable as an append (see scan.ts).
   */
  writable: boolean;
}

/** Called for each record in order with its file offsets and raw payload. Return false to stop. */
export type OnRecord = (rec: LogRecord, start: number, end: number, payload: Buffer) => void | boolean;

/**
 * Called for each record in order with its file offsets and the buffer holding its payload at
 * `buf[payloadStart, payloadEnd)` (never reused: views into it stay valid). Return false to stop.
 */
export type OnRecordAt<R> = (rec: R, start: number, end: number, buf: Buffer, payloadStart: number, payloadEnd: number) => void | boolean;

// Open a log segment without following a symlink, and read its header.
export function openLog(file: string, writable: boolean): OpenLog {
  let fd: number;
  try {
    fd = fs.openSync(file, (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new RunstateError('EUNSAFEPATH', `${file} is a symlink; runstate never follows links inside its root`, { file }, { cause: err });
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new RunstateError('EUNSAFEPATH', `${file} is not a regular file`, { file });
    const header = decodeHeader(preadFull(fd, HEADER_SIZE, 0), file);
    return { fd, file, header, size: st.size, ino: st.ino, writable };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

// Read the records of [from, size) in order, checking that seqs run on from `nextSeq`.
export function readRecords(log: OpenLog, from: number, size: number, nextSeq: number, onRecord: OnRecord): ScanEnd & { nextSeq: number } {
  return readRecordsAt(log, from, size, nextSeq, (rec, start, end, buf, payloadStart, payloadEnd) => onRecord(rec, start, end, buf.subarray(payloadStart, payloadEnd)));
}

// readRecords without a Buffer per record: a walk makes a view only of the payload it keeps.
// `read`, when given, holds the file's bytes from `from` on. (Folds use projection/fold.ts.)
export function readRecordsAt(
  log: OpenLog, from: number, size: number, nextSeq: number, onRecord: OnRecordAt<LogRecord>, read?: Buffer,
): ScanEnd & { nextSeq: number } {
  let expected = nextSeq;
  const scan = scanFramesAt(log.fd, log.file, from, size, (buf, payloadStart, payloadEnd, start, end) => {
    const rec = decodeRecordAt(buf, payloadStart, payloadEnd, log.file, start);
    if (rec.seq !== expected) throw seqGapError(log.file, start, rec.seq, expected);
    expected++;
    return onRecord(rec, start, end, buf, payloadStart, payloadEnd);
  }, read, !log.writable);
  return { ...scan, nextSeq: expected };
}

// A record whose seq does not follow the one before it.
export function seqGapError(file: string, offset: number, seq: number, expected: number): RunstateError {
  return new RunstateError('ECORRUPT',
    `${file}: record at offset ${offset} has seq ${seq}, expected ${expected} (records missing or reordered)`,
    { file, offset, seq });
}
