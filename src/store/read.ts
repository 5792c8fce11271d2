import fs from 'node:fs';
import path from 'node:path';
import { RunstateError } from '../errors.js';
import { openLog, type OpenLog } from '../events/log.js';
import { FILES } from '../paths.js';
import { baseFromProjection, foldFrom, segmentBase, splitMeta, type Base, type Head } from '../projection/head.js';
import { readMeta } from '../projection/meta.js';
import { checkContainerDir, isMissing } from './fs-safe.js';
import { snapshotFor } from './segments.js';

/** A head, and whether the projection it started from was usable. */
export interface LoadedHead {
  head: Head;
  /** Seq of a usable meta.json, or -1 when it was missing, garbled, ahead or of another segment. */
  metaSeq: number;
}

// Open a container's active log segment; a missing log means the container is gone.
export function openContainerLog(dir: string, id: string, writable: boolean): OpenLog {
  try {
    return openLog(path.join(dir, FILES.log), writable);
  } catch (err) {
    if (isMissing(err)) throw new RunstateError('ENOTFOUND', `container "${id}" does not exist`, { id }, { cause: err });
    throw err;
  }
}

// The base to fold a segment from when no projection matches it.
// A compacted segment starts from the snapshot at seq firstSeq-1: load cost is O(events since it).
export function rebuildBase(log: OpenLog, dir: string): Base {
  if (log.header.firstSeq === 1) return segmentBase(log, null);
  return segmentBase(log, snapshotFor(dir, log).state);
}

// The base meta.json offers for an open log: null when it is missing or garbled, or does not match
// the log (another segment, ahead of it, or naming a record that is not there).
export function metaBase(log: OpenLog, dir: string): Base | null {
  const meta = readMeta(dir);
  if (meta === null) return null;
  const { state, pos } = splitMeta(meta);
  return baseFromProjection(log, state, pos);
}

// Load the head of an open log, starting from meta.json when it matches the log, else from the log's start.
export function loadHead(log: OpenLog, dir: string): LoadedHead {
  const base = metaBase(log, dir);
  return { head: foldFrom(log, base ?? rebuildBase(log, dir)), metaSeq: base === null ? -1 : base.pos.seq };
}

// Load a container's head without taking its lock. Sound because meta.json is replaced by rename
// and checked against the log, and the log only grows while the container lives.
export function readHeadUnlocked(dir: string, id: string): LoadedHead {
  checkContainerDir(dir, id);
  const log = openContainerLog(dir, id, false);
  try {
    return loadHead(log, dir);
  } finally {
    fs.closeSync(log.fd);
  }
}
