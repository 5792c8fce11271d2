import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIRS } from '../paths.js';
import type { ContainerState } from '../events/types.js';
import { ensureRealDir, fsyncDir } from './fs-safe.js';

// Where the history of a deleted container is kept: <root>/.history/<id>/<created-at>-<logId>.
export function historyDir(root: string, id: string, state: ContainerState, logId: string): string {
  return path.join(root, ROOT_DIRS.history, id, `${state.created.replace(/:/g, '-')}-${logId}`);
}

// Move a container's directory aside, lock file included, in one rename. Done under the container's
// exclusive lock: any process waiting on that lock then finds <root>/<id>/lock gone (or a new
// container's) and does not write into the moved directory. The id is free again at once.
export function moveToHistory(root: string, dir: string, dest: string, durable: boolean): void {
  ensureRealDir(root, path.relative(root, path.dirname(dest)).split(path.sep));
  fs.renameSync(dir, dest);
  if (durable) {
    fsyncDir(root);
    fsyncDir(path.dirname(dest));
  }
}
