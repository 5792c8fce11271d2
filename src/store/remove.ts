import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIRS } from '../paths.js';
import type { ContainerState } from '../events/types.js';
import { ensureRealDir, fsyncDir, isMissing } from './fs-safe.js';

/** Tries at making <root>/.history/<id> and moving into it, which a purge may remove meanwhile. */
const TRIES = 10;

// Make <root>/.history/<id>, refusing a symlink on the way (EUNSAFEPATH). A purge removes it when it
// empties it, maybe between the mkdir and the check: then it is made again.
export function historyParent(root: string, id: string): void {
  for (let tries = 1; ; tries++) {
    try {
      ensureRealDir(root, [ROOT_DIRS.history, id], id);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || tries >= TRIES) throw err;
    }
  }
}

// Where the history of a deleted container is kept: <root>/.history/<id>/<created-at>-<logId>.
export function historyDir(root: string, id: string, state: ContainerState, logId: string): string {
  return path.join(root, ROOT_DIRS.history, id, `${state.created.replace(/:/g, '-')}-${logId}`);
}

// Move a container's directory aside, lock file included, in one rename. Done under the container's
// exclusive lock: any process waiting on that lock then finds <root>/<id>/lock gone (or a new
// container's) and does not write into the moved directory. The id is free again at once. The caller
// made <root>/.history/<id> (historyParent) before it appended the deleted record; a purge that
// emptied it since removed it, and it is made again.
export function moveToHistory(root: string, id: string, dir: string, dest: string, durable: boolean): void {
  for (let tries = 1; ; tries++) {
    try {
      fs.renameSync(dir, dest);
      break;
    } catch (err) {
      // ENOENT for the destination's parent, not for the container, which the caller holds locked.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || tries >= TRIES || fs.lstatSync(dir, { throwIfNoEntry: false }) === undefined) throw err;
      historyParent(root, id);
    }
  }
  if (durable) {
    fsyncDir(root);
    try {
      fsyncDir(path.dirname(dest));
    } catch (err) {
      // A purge removed it already (and its directory with it): nothing of it is left to make durable.
      if (!isMissing(err)) throw err;
    }
  }
}
