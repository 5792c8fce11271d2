import { crc32Of } from './crc.js';
// The pure-JS build: the package's main entry also loads the native msgpackr-extract addon, which
// costs ~20 ms at start-up (paid by every CLI call) and does not speed up records this small.
import { Packr } from 'msgpackr/pack';
import { RunstateError } from '../errors.js';
import { HASH_SIZE } from './header.js';
import type { ContainerState } from './types.js';

/** First bytes of a snapshot file. */
export const SNAPSHOT_MAGIC = Buffer.from('RUNSTSNP', 'latin1');
/** Version of the snapshot layout. */
export const SNAPSHOT_VERSION = 1;

/** The state at a seq, and the hash of the record at that seq: where a compacted segment resumes. */
export interface Snapshot {
  seq: number;
  hash: Buffer;
  state: ContainerState;
  /** When the snapshot was taken, ms since the epoch. */
  at: number;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, bundleStrings: false });

// Encode a snapshot: magic, u32 version, u32 payload length, u32 CRC-32 of the payload, msgpack payload.
export function encodeSnapshot(s: Snapshot): Buffer {
  const payload = packr.pack({ v: SNAPSHOT_VERSION, seq: s.seq, hash: s.hash, state: s.state, at: s.at });
  const head = Buffer.alloc(20);
  SNAPSHOT_MAGIC.copy(head, 0);
  head.writeUInt32LE(SNAPSHOT_VERSION, 8);
  head.writeUInt32LE(payload.length, 12);
  head.writeUInt32LE(crc32Of(payload, 0, payload.length, 0), 16);
  return Buffer.concat([head, payload]);
}

// Decode and check a snapshot file's bytes.
export function decodeSnapshot(buf: Buffer, file: string): Snapshot {
  if (buf.length < 20 || !buf.subarray(0, 8).equals(SNAPSHOT_MAGIC)) {
    throw new RunstateError('EFORMAT', `${file} is not a runstate snapshot`, { file, offset: 0 });
  }
  const version = buf.readUInt32LE(8);
  if (version !== SNAPSHOT_VERSION) {
    throw new RunstateError('EFORMAT', `${file} has snapshot version ${version}; this runstate reads version ${SNAPSHOT_VERSION}`, { file, offset: 8 });
  }
  const len = buf.readUInt32LE(12);
  const payload = buf.subarray(20, 20 + len);
  if (payload.length !== len || crc32Of(payload, 0, payload.length, 0) !== buf.readUInt32LE(16)) {
    throw new RunstateError('ECORRUPT', `${file}: snapshot checksum mismatch`, { file, offset: 20 });
  }
  const s = packr.unpack(payload) as { seq: number; hash: Uint8Array; state: ContainerState; at: number };
  if (!Number.isSafeInteger(s?.seq) || !(s.hash instanceof Uint8Array) || s.hash.length !== HASH_SIZE
    || typeof s.state !== 'object' || s.state === null || Array.isArray(s.state) || typeof s.state.status !== 'string') {
    throw new RunstateError('ECORRUPT', `${file}: snapshot lacks required fields`, { file, offset: 20 });
  }
  return { seq: s.seq, hash: Buffer.from(s.hash), state: s.state, at: s.at };
}
