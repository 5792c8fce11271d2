import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIRS } from '../paths.js';
import type { ContainerState } from '../events/types.js';
import { ensureRealDir, fsyncDir } from './fs-safe.js';

// Make <root>/.history/<id>, refusing a symlink on the way (EUNSAFEPATH).
export function historyParent(root: string, id: string): void {
  ensureRealDir(root, [ROOT_DIRS.history, id], id);
}

// Where the history of a deleted container is kept: <root>/.history/<id>/<created-at>-<logId>.
export function historyDir(root: string, id: string, state: ContainerState, logId: string): string {
  return path.join(root, ROOT_DIRS.history, id, `${state.created.replace(/:/g, '-')}-${logId}`);
}

// Move a container's directory aside, lock file included, in one rename. Done under the container's
// exclusive lock: any process waiting on that lock then finds <root>/<id>/lock gone (or a new
// container's) and does not write into the moved directory. The id is free again at once. The caller
// made <root>/.history/<id> (historyParent) before it appended the deleted record.
export function moveToHistory(root: string, dir: string, dest: string, durable: boolean): void {
  fs.renameSync(dir, dest);
  if (durable) {
    fsyncDir(root);
    fsyncDir(path.dirname(dest));
  }
}
