import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RunstateError } from '../errors.js';
import { ID_PATTERN, ROOT_DIRS } from '../paths.js';
import { deletedDir, describeDeleted, instancesDir, listDeleted, type DeletedContainer } from './deleted.js';
import { notRealDir } from './fs-safe.js';

/** A purge's temp name older than this was left by a purge that crashed mid-removal; the next purge removes it. */
const ABANDONED_MS = 10 * 60_000;

// Temp names of kept histories being removed: directly under .history, where no id can clash (ids
// never start with a dot) and no reader of a deleted container looks.
const PURGING = /^\.purge-/;

// Remove the kept histories of deleted containers of `id`: the one `ref` names (a ref, or 'latest'),
// or all of them; with `before` (ms), only those deleted before it. Returns them as listDeleted
// described them, oldest first. Live containers are never touched: only <root>/.history/<id>/ is.
export function purgeDeleted(root: string, id: string, ref: string | undefined, before: number | undefined): DeletedContainer[] {
  return purgeId(root, id, ref, before, true);
}

function purgeId(root: string, id: string, ref: string | undefined, before: number | undefined, sweep: boolean): DeletedContainer[] {
  let candidates: DeletedContainer[];
  if (ref !== undefined) {
    const dir = deletedDir(root, id, ref); // EINVALID, ENOTFOUND, EUNSAFEPATH
    const d = describeDeleted(path.dirname(dir), id, path.basename(dir));
    if (d === null) throw notKept(id, path.basename(dir));
    candidates = [d];
  } else {
    candidates = listDeleted(root, id); // EUNSAFEPATH for a .history/<id> that is a symlink
  }
  // Leftovers of a crashed purge sit directly under .history, whether or not this id has a directory.
  if (sweep) sweepHistory(root);
  const dir = instancesDir(root, id);
  if (dir === null) return [];
  const out: DeletedContainer[] = [];
  for (const d of candidates) {
    // One whose deletion time cannot be read is kept by a purge by age: its age is not known.
    if (before !== undefined && (d.deleted === null || Date.parse(d.deleted) >= before)) continue;
    if (removeKept(dir, d.ref)) out.push(d);
    else if (ref !== undefined) throw notKept(id, d.ref); // purged by another process meanwhile
  }
  // The last history of the id gone, its directory goes too. rmdir removes only an empty directory:
  // a delete that moved a new one in meanwhile keeps it (and a delete about to move one makes the
  // directory again: see remove.ts).
  try {
    fs.rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw err;
  }
  return out;
}

// Purge every id's kept histories (deleted before `before`, when given), by id then oldest first.
// Every entry of .history is checked first, so a symlink planted there fails the purge (EUNSAFEPATH)
// before anything is removed.
export function purgeAllDeleted(root: string, before: number | undefined): DeletedContainer[] {
  const history = path.join(root, ROOT_DIRS.history);
  const st = fs.lstatSync(history, { throwIfNoEntry: false });
  if (st === undefined) return [];
  if (!st.isDirectory()) throw notRealDir(history, st);
  const ids = fs.readdirSync(history).filter((name) => !name.startsWith('.')).sort();
  for (const id of ids) {
    const entry = path.join(history, id);
    const est = fs.lstatSync(entry, { throwIfNoEntry: false });
    if (est !== undefined && !est.isDirectory()) throw notRealDir(entry, est);
  }
  sweepAbandoned(history);
  const out: DeletedContainer[] = [];
  // Names that are no id were not made by runstate: left alone.
  for (const id of ids) if (ID_PATTERN.test(id) && !id.includes('..')) out.push(...purgeId(root, id, undefined, before, false));
  return out;
}

// Remove <dir>/<ref>: first renamed to a temp name of its own (atomic: a reader then finds the ref
// gone, never half of it; of two purges of it, one wins), then removed with all it holds. False when
// it was gone already.
function removeKept(dir: string, ref: string): boolean {
  const trash = path.join(path.dirname(dir), `.purge-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  try {
    fs.renameSync(path.join(dir, ref), trash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  // Never through a symlink: rmSync removes a link, not what it points to.
  fs.rmSync(trash, { recursive: true, force: true });
  return true;
}

// sweepAbandoned on <root>/.history, when it is a real directory.
function sweepHistory(root: string): void {
  const history = path.join(root, ROOT_DIRS.history);
  if (fs.lstatSync(history, { throwIfNoEntry: false })?.isDirectory() === true) sweepAbandoned(history);
}

// Remove what purges that crashed mid-removal left under .history. Not a purge in progress: one
// removes its temp entry within moments of making it, and each removal inside it touches it.
function sweepAbandoned(history: string): void {
  const cutoff = Date.now() - ABANDONED_MS;
  for (const name of fs.readdirSync(history)) {
    if (!PURGING.test(name)) continue;
    const p = path.join(history, name);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st && Math.max(st.mtimeMs, st.ctimeMs) < cutoff) fs.rmSync(p, { recursive: true, force: true });
  }
}

function notKept(id: string, ref: string): RunstateError {
  return new RunstateError('ENOTFOUND', `no deleted container "${id}" with ref ${ref} is kept`, { id, ref });
}
