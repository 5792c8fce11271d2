import fs from 'node:fs';
import path from 'node:path';
import { RunstateError } from '../errors.js';
import { decodeSnapshot, type Snapshot } from '../events/snapshot.js';
import type { OpenLog } from '../events/log.js';
import { FILES } from '../paths.js';
import { preadFull } from '../events/scan.js';
import { namesIn, notRealDir } from './fs-safe.js';

/** A sealed segment kept for audit after compaction. */
export interface SealedSegment {
  file: string;
  firstSeq: number;
  lastSeq: number;
}

const SEGMENT_NAME = /^(\d{12})-(\d{12})\.log$/;

// Name of a sealed segment: its first and last seq, zero-padded so names sort in order.
export function segmentName(firstSeq: number, lastSeq: number): string {
  return `${String(firstSeq).padStart(12, '0')}-${String(lastSeq).padStart(12, '0')}.log`;
}

// The sealed segments of a container, oldest first. A `segments` that is a symlink is refused, not read.
export function listSegments(dir: string): SealedSegment[] {
  const segDir = path.join(dir, FILES.segments);
  const st = fs.lstatSync(segDir, { throwIfNoEntry: false });
  if (st === undefined) return [];
  if (!st.isDirectory()) throw notRealDir(segDir, st);
  const out: SealedSegment[] = [];
  // None when the container moved to history (a delete) since the lstat: what an open descriptor
  // reads is all there is.
  for (const name of namesIn(segDir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m) out.push({ file: path.join(dir, FILES.segments, name), firstSeq: Number(m[1]), lastSeq: Number(m[2]) });
  }
  return out.sort((a, b) => a.firstSeq - b.firstSeq);
}

// Name of the snapshot at a seq. Named by seq so that a new snapshot never overwrites the one the
// active segment still depends on until the new segment has replaced it.
export function snapshotFile(dir: string, seq: number): string {
  return path.join(dir, `snapshot-${String(seq).padStart(12, '0')}.bin`);
}

// The snapshot files of a container, oldest first.
export function listSnapshots(dir: string): { file: string; seq: number }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((n) => /^snapshot-(\d{12})\.bin$/.exec(n)).filter((m) => m !== null)
    .map((m) => ({ file: path.join(dir, m[0]), seq: Number(m[1]) })).sort((a, b) => a.seq - b.seq);
}

// Read the snapshot at a seq; null when there is none.
export function readSnapshot(dir: string, seq: number): Snapshot | null {
  const file = snapshotFile(dir, seq);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return decodeSnapshot(preadFull(fd, fs.fstatSync(fd).size, 0), file);
  } finally {
    fs.closeSync(fd);
  }
}

// The snapshot a compacted segment starts from: it must be at seq firstSeq-1 with the header's prevHash.
export function snapshotFor(dir: string, log: OpenLog): Snapshot {
  const seq = log.header.firstSeq - 1;
  const snap = readSnapshot(dir, seq);
  if (snap === null || snap.seq !== seq || !snap.hash.equals(log.header.prevHash)) {
    throw new RunstateError('ECORRUPT',
      `${log.file} starts at seq ${log.header.firstSeq} but ${snapshotFile(dir, seq)} ${snap === null ? 'is missing' : 'does not match the log\'s prevHash'}`,
      { file: log.file, offset: 0 });
  }
  return snap;
}
