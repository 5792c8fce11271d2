import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, bin, runArgv, startCli, tempRoot, until } from '../fixtures/cli-harness.js';
import { BENCH_BACKENDS, BENCH_SCENARIOS, benchOptions } from '../../dist/cli/bench-options.js';
import { BACKENDS } from '../../bench/backends/index.js';

const ROOT = path.dirname(path.dirname(BIN));

// Exit 2, nothing on stdout, one "runstate: EUSAGE: …" line on stderr.
function usage(result, pattern) {
  assert.is(result.code, 2, result.stderr);
  assert.is(result.stdout, '');
  assert.match(result.stderr, /^runstate: EUSAGE: .+\n$/);
  if (pattern) assert.match(result.stderr, pattern);
}

// The smallest real run: replay of a 10-event container, no bench/ packages needed.
const TINY = ['--scenarios', 'replay', '--replay-max', '10', '--backends', 'runstate'];
const RUNNER = path.join(ROOT, 'bench', 'run.js');
const WORKER = path.join(ROOT, 'bench', 'lib', 'worker.js');

// Start a real process (`node file …args`): { child, done: Promise<{ code, signal, stdout, stderr }> }.
function start(file, args, options = {}) {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text) => { stdout += text; });
  child.stderr.setEncoding('utf8').on('data', (text) => { stderr += text; });
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

// The row directories under --dir so far (each run makes them in a work-<pid>-* directory of its own).
function rows(dir) {
  try {
    return fs.readdirSync(dir).filter((name) => name.startsWith('work-')).flatMap((work) => fs.readdirSync(path.join(dir, work)));
  } catch {
    return []; // removed while read
  }
}

// Pids of this checkout's bench workers that are still running (a zombie has no cmdline).
function workers() {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((pid) => {
    try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(WORKER); } catch { return false; }
  }).map(Number);
}

// ---

const options = suite('bench: options');

options('--help lists the runner\'s options, exit 0', async () => {
  const r = await runArgv(['bench', '--help']);
  assert.is(r.code, 0);
  assert.is(r.stderr, '');
  for (const flag of ['--quick', '--procs', '--ops', '--ops-fsync', '--row-seconds', '--jit-warmup', '--scenarios', '--backends', '--durability', '--replay-max', '--no-compacted', '--json', '--chart', '--dir', '--keep', '--cpu-prof', '--probe-locks', 'Exit status']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  assert.match((await runArgv(['--help'])).stdout, /bench/);
});

options('bad values are usage errors', async () => {
  usage(await runArgv(['bench', '--ops', '0']), /whole number > 0/);
  usage(await runArgv(['bench', '--procs', '1,x']), /comma-separated/);
  usage(await runArgv(['bench', '--row-seconds', 'soon']), /seconds/);
  usage(await runArgv(['bench', '--jit-warmup', 'lots']), /whole number/);
  usage(await runArgv(['bench', '--scenarios', 'hot,bogus']), /unknown "bogus".*hot, spread, cli, replay/);
  usage(await runArgv(['bench', '--backends', 'sqlit']), /unknown "sqlit"/);
  usage(await runArgv(['bench', '--durability', 'fsync,fast']), /unknown "fast"/);
  usage(await runArgv(['bench', '--bogus']), /unknown option '--bogus'/);
  usage(await runArgv(['bench', 'extra']), /too many arguments/);
  usage(await runArgv(['--durability', 'fsync,none', 'bench']), /fsync, none/);
});

options('the CLI knows the runner\'s backends and scenarios', () => {
  assert.equal([...BENCH_BACKENDS].sort(), Object.keys(BACKENDS).sort());
  for (const s of BENCH_SCENARIOS) assert.ok(fs.existsSync(path.join(ROOT, 'bench', 'scenarios', `${s}.js`)), s);
});

options('the CLI and the runner take the same options, and both refuse the rest', async () => {
  const help = await new Promise((resolve) => execFile(process.execPath, [path.join(ROOT, 'bench', 'run.js'), '--help'], (err, stdout) => resolve(stdout)));
  const runner = [...help.matchAll(/^  (--[a-z-]+)/gm)].map((m) => m[1]).sort();
  assert.equal(runner, benchOptions().map((o) => o.long).sort());
  for (const argv of [['--compacted'], ['--bogus']]) {
    const r = await new Promise((resolve) => execFile(process.execPath, [path.join(ROOT, 'bench', 'run.js'), ...argv], (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stderr })));
    assert.is(r.code, 2, argv[0]);
    assert.match(r.stderr, /Unknown option/);
    usage(await runArgv(['bench', ...argv]), /unknown option/);
  }
});

options.run();

// ---

const runs = suite('bench: real runs', { dir: '' });

runs.before.each((ctx) => { ctx.dir = tempRoot(); });
runs.after.each((ctx) => { fs.rmSync(ctx.dir, { recursive: true, force: true }); });

runs('a tiny run writes JSON rows; relative paths resolve against the caller\'s cwd; a global --durability is the measured one', async ({ dir }) => {
  const r = await runArgv(['--root', 'ignored', '--durability', 'none', 'bench', ...TINY, '--json', 'out.json', '--dir', 'work'], {}, dir);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Machine: /);
  assert.match(r.stdout, /Replay \(fresh process per size/);
  assert.match(r.stderr, /wrote .*out\.json/);
  assert.not.match(r.stderr, /npm ci/, 'no bench/ packages installed for a run that needs none');
  const out = JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8'));
  assert.equal(out.options.durability, ['none']);
  assert.is(out.machine.dir, path.join(dir, 'work'));
  // The compacted container is measured by default; it decodes nothing, so it has no rate.
  assert.equal(out.rows.map((row) => [row.scenario, row.backend, row.ops, row.valid]),
    [['replay', 'runstate', 10, true], ['replay', 'runstate-compacted', 10, true]]);
  assert.ok(out.rows[0].opsPerSec > 0);
  assert.is(out.rows[1].opsPerSec, null);
  assert.ok(out.rows[1].openStateMs > 0);
  assert.not.ok(fs.existsSync(path.join(dir, 'ignored')), '--root does not apply');
});

runs('the bundled bin runs it too', async ({ dir }) => {
  const json = path.join(dir, 'out.json');
  const r = await bin(['bench', ...TINY, '--no-compacted', '--json', json, '--dir', dir]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /Replay/);
  assert.equal(JSON.parse(fs.readFileSync(json, 'utf8')).rows.map((row) => row.backend), ['runstate'], '--no-compacted is passed on');
});

runs('SIGTERM is passed on: exit 143 at once, nothing left running', async ({ dir }) => {
  const cli = startCli(dir, 'bench', '--scenarios', 'hot', '--backends', 'raw-flock', '--durability', 'none', '--procs', '2', '--ops', '100000000', '--row-seconds', '30', '--dir', dir);
  // The row's store directory appears once its workers are being started.
  assert.ok(await until(() => rows(dir).some((name) => name.includes('hot')), 8000), 'the row started');
  const started = Date.now();
  cli.signal('SIGTERM');
  const r = await cli.done;
  assert.is(r.code, 143, r.stderr);
  assert.ok(Date.now() - started < 5000, 'the runner and its workers stop at once');
  assert.is(cli.listeners('SIGTERM'), 0, 'listeners removed');
  assert.equal(fs.readdirSync(dir), [], 'the stores are removed');
  assert.equal(workers(), []);
});

runs('Ctrl-C (SIGINT to the process group) mid-row: exit 130, the workers gone, nothing the run made left', async ({ dir }) => {
  // The row in progress is a runstate one in its workers' JIT warm-up, as a terminal would see it;
  // --dir does not exist yet, so the run makes it too.
  const scratch = path.join(dir, 'scratch');
  const run = start(BIN, ['bench', '--scenarios', 'hot', '--backends', 'raw-flock,runstate', '--durability', 'fsync', '--procs', '2',
    '--ops', '50', '--jit-warmup', '100000000', '--dir', scratch], { detached: true });
  assert.ok(await until(() => rows(scratch).some((name) => name.includes('hot-runstate')) && workers().length === 2, 8000), 'the runstate row started');
  process.kill(-run.child.pid, 'SIGINT');
  const r = await run.done;
  assert.is(r.code, 130, r.stderr);
  assert.equal(fs.readdirSync(dir), [], 'the stores and the --dir the run made are removed');
  assert.equal(workers(), []);
});

runs('bench/run.js alone: SIGINT to the runner mid-row exits 130 and removes its stores, and only them', async ({ dir }) => {
  fs.writeFileSync(path.join(dir, 'mine.txt'), 'not the bench\'s');
  const run = start(RUNNER, ['--scenarios', 'hot', '--backends', 'raw-flock', '--durability', 'none', '--procs', '2', '--ops', '100000000', '--row-seconds', '30', '--dir', dir]);
  assert.ok(await until(() => rows(dir).some((name) => name.includes('hot')) && workers().length === 2, 8000), 'the row started');
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.is(r.code, 130, r.stderr);
  assert.equal(fs.readdirSync(dir), ['mine.txt']);
  assert.equal(workers(), []);
});

runs('SIGINT while replay builds a long history: handled at once, not after the build', async ({ dir }) => {
  const run = start(RUNNER, ['--scenarios', 'replay', '--replay-max', '1000000', '--no-compacted', '--backends', 'runstate', '--dir', dir]);
  assert.ok(await until(() => rows(dir).includes('001-replay'), 8000), 'the scenario started');
  // Into the build from 10^4 to 10^5 events (then to 10^6): seconds of annotations that complete
  // without waiting on anything.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = Date.now();
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.is(r.code, 130, r.stderr);
  assert.ok(Date.now() - started < 1000, `stopped in ${Date.now() - started} ms`);
  assert.equal(fs.readdirSync(dir), []);
});

runs('a store an earlier run left in --dir is not in the way, and stays as it was', async ({ dir }) => {
  const args = ['--scenarios', 'hot', '--backends', 'runstate', '--durability', 'none', '--procs', '2', '--ops', '100', '--jit-warmup', '0', '--dir', dir];
  fs.writeFileSync(path.join(dir, 'mine.txt'), 'not the bench\'s');
  const first = await start(RUNNER, [...args, '--keep']).done;
  assert.is(first.code, 0, first.stderr);
  const [left] = fs.readdirSync(dir).filter((name) => name.startsWith('work-'));
  assert.match(first.stderr, `kept the stores in ${path.join(dir, left)}`);
  const before = fs.readdirSync(dir, { recursive: true }).sort();
  assert.ok(before.includes(path.join(left, '001-hot-runstate-none-k2', 'hot')), 'the first run\'s container is there');
  const again = await start(RUNNER, args).done;
  assert.is(again.code, 0, again.stderr);
  assert.not.match(again.stdout, /FAILED/);
  assert.equal(fs.readdirSync(dir, { recursive: true }).sort(), before, 'the rerun removed only its own stores');
});

runs('a worker killed with SIGKILL fails its row, exit 1; the run\'s stores are removed all the same', async ({ dir }) => {
  const run = start(RUNNER, ['--scenarios', 'hot', '--backends', 'raw-flock', '--durability', 'none', '--procs', '2', '--ops', '100000000', '--row-seconds', '2', '--dir', dir]);
  const pids = await until(() => { const w = workers(); return w.length === 2 && w; }, 8000);
  assert.ok(pids, 'the workers started');
  process.kill(pids[0], 'SIGKILL');
  const r = await run.done;
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout, /raw-flock +hot\/none K=2 FAILED: worker \d /);
  assert.equal(fs.readdirSync(dir), []);
  assert.equal(workers(), []);
});

runs('without bench/ (a trimmed install): ENOBENCH, exit 1', async ({ dir }) => {
  // A copy of the package without bench/: bin, dist, package.json, and its node_modules.
  for (const part of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const r = await new Promise((resolve) => {
    execFile(process.execPath, [path.join(dir, 'bin', 'runstate.js'), 'bench', '--quick'], { env: { PATH: process.env.PATH }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^runstate: ENOBENCH: the benchmark runner .*bench\/run\.js is missing.*source checkout.*\n$/);
});

runs.run();
