// What the numbers were measured on: printed first, and stored in --json output.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

function tryRun(cmd, args) {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
}

// Filesystem type and mount options of `dir` (findmnt names ext4; `stat -f` says ext2/ext3)
function filesystem(dir) {
  const fm = tryRun('findmnt', ['-n', '-o', 'FSTYPE,SOURCE,OPTIONS', '-T', dir]);
  if (fm) {
    const [type, source, options] = fm.split(/\s+/);
    return { type, source, options };
  }
  return { type: tryRun('stat', ['-f', '-c', '%T', dir]) || 'unknown', source: null, options: null };
}

function version(pkgJson) {
  try { return JSON.parse(readFileSync(pkgJson, 'utf8')).version; } catch { return null; }
}

// Machine facts: cores, CPU, memory, Node, kernel, filesystem of the bench dir, versions
export function machine(dir) {
  const cpus = os.cpus();
  const root = new URL('../../', import.meta.url);
  return {
    cores: os.availableParallelism ? os.availableParallelism() : cpus.length,
    cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    fs: filesystem(dir),
    dir,
    runstate: version(new URL('package.json', root)),
    // Only a source checkout has a commit: an installed package inside someone's repository
    // would otherwise report that repository's HEAD.
    commit: existsSync(new URL('.git', root)) ? tryRun('git', ['-C', new URL('.', root).pathname, 'rev-parse', '--short', 'HEAD']) : null,
    betterSqlite3: version(new URL('bench/node_modules/better-sqlite3/package.json', root)),
    properLockfile: version(new URL('bench/node_modules/proper-lockfile/package.json', root)),
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
  };
}

// The machine as a few lines for people
export function formatMachine(m) {
  return [
    `Machine: ${m.cores} cores, ${m.cpu}, ${m.memGiB} GiB, ${m.os}; load average ${m.loadAvg.join(' ')} at start`,
    `Node ${m.node}; bench dir ${m.dir} on ${m.fs.type}${m.fs.source ? ` (${m.fs.source}, ${m.fs.options})` : ''}`,
    `runstate ${m.runstate}${m.commit ? ` @ ${m.commit}` : ''}, better-sqlite3 ${m.betterSqlite3 ?? 'not installed'}${m.sqlite ? ` (SQLite ${m.sqlite})` : ''}, proper-lockfile ${m.properLockfile ?? 'not installed'}; ${m.date}`,
  ].join('\n');
}
