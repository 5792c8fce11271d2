import fs from 'node:fs';
import path from 'node:path';
import { encodeHeader, FORMAT_VERSION, HEADER_SIZE } from '../events/header.js';
import { encodeSnapshot } from '../events/snapshot.js';
import type { OpenLog } from '../events/log.js';
import { FILES } from '../paths.js';
import type { Head } from '../projection/head.js';
import { writeMeta } from '../projection/meta.js';
import { newLogId } from './create.js';
import { ensureRealDir, fsyncDir } from './fs-safe.js';
import { listSegments, listSnapshots, segmentName, snapshotFile } from './segments.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/** What a compaction did. */
export interface CompactResult {
  id: string;
  /** Seq the snapshot was taken at (the last seq before the new segment). */
  seq: number;
  /** Sealed segment created, or null when the active segment held no records. */
  sealed: string | null;
  /** Sealed segments removed by retention. */
  pruned: string[];
}

// Write a file whole and durably, replacing any leftover at the temp name, then rename it into place.
function writeFileDurably(file: string, bytes: Buffer, durable: boolean): void {
  const tmp = `${file}.tmp`;
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o640);
  try {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done);
    if (durable) fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

// Temp files of meta.json refreshes that were killed before their rename (or lost it to a delete).
// One still in flight elsewhere only fails its rename, which its writer ignores: meta.json is a cache.
function removeStrayMetaTemps(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(`${FILES.meta}.`) && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
  }
}

// Compact under the exclusive lock: seal the active segment (kept for audit), make a snapshot of the
// head durable, then start a new, empty active segment that chains on from the snapshot. Each step is
// durable before the next, so a crash at any point leaves a loadable container (docs/format.md).
export function compactContainer(id: string, dir: string, log: OpenLog, head: Head, durable: boolean, keepSegments?: number): CompactResult {
  const { seq, headHash } = head.pos;
  const firstSeq = log.header.firstSeq;
  const result: CompactResult = { id, seq, sealed: null, pruned: [] };
  if (seq >= firstSeq) {
    const segDir = ensureRealDir(dir, [FILES.segments], id);
    // A leftover link to the active file (an interrupted compaction) would name a range it outgrew.
    for (const s of listSegments(dir)) if (fs.statSync(s.file).ino === log.ino) fs.rmSync(s.file);
    // 1. Seal: a hard link keeps the active file's bytes under their final name; nothing is copied.
    result.sealed = path.join(segDir, segmentName(firstSeq, seq));
    fs.linkSync(log.file, result.sealed);
    if (durable) fsyncDir(segDir);
    // 2. The snapshot is durable, its name too, before the segment that depends on it exists.
    writeFileDurably(snapshotFile(dir, seq), encodeSnapshot({ seq, hash: Buffer.from(headHash, 'hex'), state: head.state, at: Date.now() }), durable);
    if (durable) fsyncDir(dir);
    // 3. The new active segment replaces the old name in one rename.
    const header = { version: FORMAT_VERSION, firstSeq: seq + 1, prevHash: Buffer.from(headHash, 'hex'), logId: newLogId() };
    writeFileDurably(log.file, encodeHeader(header), durable);
    if (durable) fsyncDir(dir);
    try {
      writeMeta(dir, head.state, { logId: header.logId, seq, headStart: HEADER_SIZE, offset: HEADER_SIZE, headHash });
    } catch {
      // The compaction is committed (the new segment is in place); meta.json is only a cache, which
      // readers rebuild from the snapshot when it cannot be written (say, a directory in its place).
    }
    // Older snapshots are no longer needed by any segment that can be loaded from its start.
    for (const s of listSnapshots(dir)) if (s.seq < seq) fs.rmSync(s.file, { force: true });
    removeStrayMetaTemps(dir);
  }
  if (keepSegments !== undefined) {
    const sealed = listSegments(dir);
    for (const s of sealed.slice(0, Math.max(0, sealed.length - keepSegments))) {
      fs.rmSync(s.file);
      result.pruned.push(s.file);
    }
  }
  return result;
}
