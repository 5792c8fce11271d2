// Install the bench's own dependencies on first use (better-sqlite3 compiles SQLite: minutes).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('..', import.meta.url));
const MARKERS = ['node_modules/better-sqlite3/package.json', 'node_modules/proper-lockfile/package.json'];

// `npm ci --prefix bench` when bench/node_modules lacks a dependency; output goes to stderr
export function ensureDeps(progress) {
  if (MARKERS.every((m) => existsSync(BENCH + m))) return;
  progress('bench: installing bench/ dependencies (npm ci --prefix bench; better-sqlite3 builds SQLite, ~2 min)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--prefix', BENCH], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`npm ci --prefix ${BENCH} failed (exit ${r.status})`);
}
