import fs from 'node:fs';
import path from 'node:path';
import { FILES } from '../paths.js';
import type { ContainerState } from '../events/types.js';
import { crc32Of } from '../events/crc.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/** Version of the meta.json layout (2: with `checksum`). */
export const META_FORMAT = 2;

/** Where in the log a projection stands. */
export interface LogPosition {
  /** Id of the log segment the offsets refer to. */
  logId: string;
  /** Seq of the last record folded in. */
  seq: number;
  /** File offset where that record starts (the header size when no record of this segment is folded). */
  headStart: number;
  /** File offset just past that record. */
  offset: number;
  /** Hash of that record (hex). */
  headHash: string;
}

/** meta.json: the state, flat and OCI-shaped, plus the log position it reflects. */
export type Meta = ContainerState & Omit<LogPosition, 'seq'> & { format: number };

// The checksum of a meta.json's other fields: CRC-32 (hex) of their compact JSON text. A parsed
// object gives back the very text its writer hashed (same key order, same strings and integers),
// however the file is laid out.
function checksumOf(meta: Meta): string {
  const bytes = Buffer.from(JSON.stringify(meta));
  return crc32Of(bytes, 0, bytes.length, 0).toString(16).padStart(8, '0');
}

// Read meta.json; null when missing, unreadable, a symlink, or not a projection this version wrote.
// It is only a cache: every caller checks it against the log before trusting it.
export function readMeta(dir: string): Meta | null {
  let text: string;
  try {
    const fd = fs.openSync(path.join(dir, FILES.meta), O_RDONLY | O_NOFOLLOW);
    try {
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  return parseMeta(text);
}

// The projection a meta.json holds, if its checksum vouches for it: a flipped bit that leaves valid
// JSON and a valid position (a status, a time) must not be taken for the state.
function parseMeta(text: string): Meta | null {
  try {
    const { checksum, ...m } = JSON.parse(text) as Meta & { checksum?: unknown };
    const ok = m.format === META_FORMAT && typeof checksum === 'string' && checksum === checksumOf(m)
      && typeof m.logId === 'string' && Number.isSafeInteger(m.seq)
      && Number.isSafeInteger(m.headStart) && Number.isSafeInteger(m.offset) && typeof m.headHash === 'string'
      && typeof m.status === 'string' && typeof m.annotations === 'object';
    return ok ? m : null;
  } catch {
    return null;
  }
}

let tmpCounter = 0;

// Write meta.json atomically: a temp file renamed over it, so readers see the old or the new, never a mix.
// No fsync: the log is the durable truth and a lost or stale meta.json is rebuilt from it. `wanted`
// null: the caller holds the exclusive lock, so one fixed temp name cannot collide. Otherwise the name
// is unique to this call, `wanted` is asked just before the rename (false: the temp file is removed),
// and a slower writer may put back an older projection — harmless, because readers check the
// position it claims against the log and fold what it lacks.
export function writeMeta(dir: string, state: ContainerState, pos: LogPosition, wanted: (() => boolean) | null = null): void {
  const locked = wanted === null;
  const tmp = path.join(dir, locked ? `${FILES.meta}.tmp` : `${FILES.meta}.${process.pid}-${++tmpCounter}.tmp`);
  // A leftover (or planted) temp file is removed first; unlink removes a symlink, never its target,
  // and O_EXCL | O_NOFOLLOW then refuse anything that reappears at the name.
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o640);
  try {
    fs.writeSync(fd, metaText(state, pos));
  } finally {
    fs.closeSync(fd);
  }
  if (!locked && !wanted()) {
    fs.rmSync(tmp, { force: true });
    return;
  }
  // rename replaces a symlink at meta.json itself, never its target.
  fs.renameSync(tmp, path.join(dir, FILES.meta));
}

// writeMeta off the thread, for a caller that does not hold the lock (a unique temp name), of a
// text from metaText. `wanted`, asked just before the rename, may call it off (a newer meta.json
// was written meanwhile). The temp file is removed when anything fails or the rename is called off;
// the caller may ignore the rejection: meta.json is a cache.
export async function writeMetaAsync(dir: string, text: string, wanted: () => boolean = () => true): Promise<void> {
  // Asked first too: a refresh called off before it begins leaves no temp file behind (one made in a
  // directory a delete then moves away cannot be removed by its path any more).
  if (!wanted()) return;
  const tmp = path.join(dir, `${FILES.meta}.${process.pid}-${++tmpCounter}.tmp`);
  let renamed = false;
  try {
    const fh = await fs.promises.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o640);
    try {
      await fh.writeFile(text);
    } finally {
      await fh.close();
    }
    if (wanted()) {
      await fs.promises.rename(tmp, path.join(dir, FILES.meta));
      renamed = true;
    }
  } finally {
    if (!renamed) await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
  }
}

// The text of a meta.json.
export function metaText(state: ContainerState, pos: LogPosition): string {
  const meta: Meta = { ...state, format: META_FORMAT, logId: pos.logId, headStart: pos.headStart, offset: pos.offset, headHash: pos.headHash };
  return `${JSON.stringify({ ...meta, checksum: checksumOf(meta) }, null, 2)}\n`;
}
