import fs from 'node:fs';
import path from 'node:path';
import { RunstateError, isRunstateError } from '../errors.js';
import { ROOT_DIRS } from '../paths.js';
import { namesIn, notRealDir } from './fs-safe.js';
import { readHeadUnlocked } from './read.js';

/** A deleted container whose history is kept under `<root>/.history/<id>/<ref>/`. */
export interface DeletedContainer {
  id: string;
  /** Names this deleted container among the others of the same id (pass it as `deleted`). */
  ref: string;
  /** When it was created, and when its deletion was recorded (ISO-8601; null if never recorded). */
  created: string | null;
  deleted: string | null;
  /** Seq of its last event. */
  seq: number;
  /** Set when its files could not be read; `created` and `deleted` are then null, `seq` 0. */
  error?: { code: string; message: string };
}

// What a ref may look like: one path component, the shape delete gives it (`<created>-<logId>`).
const REF = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,199}$/;

// The directory holding the deleted instances of `id`, or null when there is none. Each component
// is checked with lstat: nothing inside the root is followed through a symlink.
export function instancesDir(root: string, id: string): string | null {
  let dir = root;
  for (const part of [ROOT_DIRS.history, id]) {
    dir = path.join(dir, part);
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (st === undefined) return null;
    if (!st.isDirectory()) throw notRealDir(dir, st, id);
  }
  return dir;
}

// The deleted instances of `id`, oldest first (by creation time, then ref).
export function listDeleted(root: string, id: string): DeletedContainer[] {
  const dir = instancesDir(root, id);
  if (dir === null) return [];
  const out: DeletedContainer[] = [];
  // None when the last of them was purged meanwhile.
  for (const ref of namesIn(dir)) {
    if (!REF.test(ref)) continue;
    const d = describeDeleted(dir, id, ref);
    if (d !== null) out.push(d);
  }
  return out.sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.ref.localeCompare(b.ref));
}

// One deleted instance, `<dir>/<ref>`, as listDeleted lists it; null when it was purged while it was read.
export function describeDeleted(dir: string, id: string, ref: string): DeletedContainer | null {
  const at = path.join(dir, ref);
  try {
    const { state } = readHeadUnlocked(at, id).head;
    return { id, ref, created: state.created, deleted: state.deleted ?? null, seq: state.seq };
  } catch (err) {
    if (fs.lstatSync(at, { throwIfNoEntry: false }) === undefined) return null;
    const code = isRunstateError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? 'EIO');
    return { id, ref, created: null, deleted: null, seq: 0, error: { code, message: (err as Error).message } };
  }
}

// The error for a read of a deleted instance, at `dir`, that failed: ENOTFOUND naming it when it is
// gone (a purge renamed it away while it was read: whatever the read met then, a missing file or a
// missing snapshot, says only that), else the error as it is.
export function purgedWhileReading(err: unknown, dir: string, id: string): unknown {
  if (fs.lstatSync(dir, { throwIfNoEntry: false }) !== undefined) return err;
  const ref = path.basename(dir);
  return new RunstateError('ENOTFOUND', `deleted container "${id}" with ref ${ref} was purged while it was read`, { id, ref }, { cause: err });
}

// The directory of one deleted instance of `id`: `ref` as listDeleted gives it, or `latest` for the
// one deleted last. ENOTFOUND when there is no such instance; EINVALID for a ref that is not a name.
export function deletedDir(root: string, id: string, ref: string): string {
  if (typeof ref !== 'string' || (ref !== 'latest' && !REF.test(ref))) {
    throw new RunstateError('EINVALID', `${JSON.stringify(String(ref))} is not a deleted container's ref (see "runstate deleted ${id}")`, { id });
  }
  const dir = instancesDir(root, id);
  if (ref === 'latest') {
    // Listed from the directory just checked: the readable instance whose delete was recorded last.
    const last = (dir === null ? [] : listDeleted(root, id))
      .filter((d) => d.error === undefined)
      .reduce<DeletedContainer | undefined>((a, d) => (a === undefined || (d.deleted ?? '') >= (a.deleted ?? '') ? d : a), undefined);
    if (last === undefined) throw new RunstateError('ENOTFOUND', `no deleted container "${id}" is kept`, { id });
    return path.join(dir!, last.ref);
  }
  if (dir === null || fs.lstatSync(path.join(dir, ref), { throwIfNoEntry: false }) === undefined) {
    throw new RunstateError('ENOTFOUND', `no deleted container "${id}" with ref ${ref} is kept`, { id });
  }
  return path.join(dir, ref);
}
