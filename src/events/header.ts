import { crc32Of } from './crc.js';
import { RunstateError } from '../errors.js';

/** First bytes of every log segment. */
export const LOG_MAGIC = Buffer.from('RUNSTLOG', 'latin1');
/** The on-disk format version this build writes and reads. */
export const FORMAT_VERSION = 1;
/** Size of the segment header in bytes. */
export const HEADER_SIZE = 64;
/** Size of a record hash (truncated SHA-256). */
export const HASH_SIZE = 16;

/** What the header of a log segment says. */
export interface LogHeader {
  version: number;
  /** Seq of the first record this segment may hold. */
  firstSeq: number;
  /** Hash of record `firstSeq - 1`; zeros when `firstSeq` is 1. */
  prevHash: Buffer;
  /** Random id of this segment, so `meta.json` can tell which segment its offsets refer to. */
  logId: string;
}

// Encode a segment header (layout in docs/format.md).
export function encodeHeader(h: LogHeader): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE);
  LOG_MAGIC.copy(buf, 0);
  buf.writeUInt32LE(h.version, 8);
  buf.writeUInt32LE(HEADER_SIZE, 12);
  buf.writeBigUInt64LE(BigInt(h.firstSeq), 16);
  h.prevHash.copy(buf, 24, 0, HASH_SIZE);
  Buffer.from(h.logId, 'hex').copy(buf, 40, 0, 8);
  buf.writeUInt32LE(crc32Of(buf, 0, 60, 0), 60);
  return buf;
}

// Decode and check a segment header; a wrong magic, checksum or version is EFORMAT.
export function decodeHeader(buf: Buffer, file: string): LogHeader {
  if (buf.length < HEADER_SIZE || !buf.subarray(0, 8).equals(LOG_MAGIC)) {
    throw new RunstateError('EFORMAT', `${file} is not a runstate log (bad magic or short header)`, { file, offset: 0 });
  }
  if (buf.readUInt32LE(60) !== crc32Of(buf, 0, 60, 0)) {
    throw new RunstateError('ECORRUPT', `${file}: header checksum mismatch at offset 0`, { file, offset: 0 });
  }
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION || buf.readUInt32LE(12) !== HEADER_SIZE) {
    throw new RunstateError('EFORMAT',
      `${file} has log format version ${version}; this runstate reads version ${FORMAT_VERSION} (upgrade runstate to read it)`,
      { file, offset: 8, version });
  }
  return {
    version,
    firstSeq: Number(buf.readBigUInt64LE(16)),
    prevHash: Buffer.from(buf.subarray(24, 40)),
    logId: buf.subarray(40, 48).toString('hex'),
  };
}
