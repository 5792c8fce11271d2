// Install the bench's own dependencies on first use (better-sqlite3 compiles SQLite: minutes).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('..', import.meta.url));

// `npm ci --prefix bench` when bench/node_modules lacks one of `names` (the packages the chosen
// backends load); output goes to stderr. A run that needs none of them (replay, runstate only,
// raw-flock) installs nothing: no network, no two-minute SQLite build.
export function ensureDeps(progress, names) {
  if (names.every((name) => existsSync(`${BENCH}node_modules/${name}/package.json`))) return;
  progress('bench: installing bench/ dependencies (npm ci --prefix bench; better-sqlite3 builds SQLite, ~2 min)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--prefix', BENCH], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`npm ci --prefix ${BENCH} failed (exit ${r.status})`);
}
