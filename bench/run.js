#!/usr/bin/env node
// Lock-contention benchmark runner: prints the machine, runs the scenarios against every
// backend in one run, validates what each stored, then prints the tables and the goals.
// Results go to stdout; progress to stderr.  Usage: node bench/run.js --help
import { mkdirSync, mkdtempSync, rmSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './lib/deps.js';
import { BACKENDS } from './backends/index.js';
import { stopWorkers } from './lib/harness.js';
import { machine, formatMachine } from './lib/machine.js';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const SCENARIOS = ['hot', 'spread', 'cli', 'replay'];
const HELP = `Usage: node bench/run.js [options]   (npm run bench -- [options])

  --quick                 whole run in under a minute (K=1,8, few ops, rows capped at 0.5 s, replay to 10^5)
  --procs 1,2,4,8,16      worker process counts K
  --ops M                 ops per worker at durability none (default 2000; quick 300)
  --ops-fsync M           ops per worker at durability fsync (default 300; quick 40)
  --row-seconds S         stop a row's workers after S seconds (default 5; quick 0.5)
  --jit-warmup N          untimed ops each runstate worker runs first on a container of its own,
                          so V8 has optimised the library before the row (default 20000; quick 1000; 0 = none)
  --scenarios LIST        hot,spread,cli,replay (default all)
  --backends LIST         runstate,runstate-mix,runstate-synclock,raw-flock,raw-flock-async,raw-flock-postsync,
                          naive-json,proper-lockfile,sqlite,runstate-cli (default all but runstate-cli;
                          quick: all but runstate-cli and the two variants runstate-synclock, raw-flock-async)
  --durability LIST       fsync,none (default both)
  --replay-max N          largest replay history (default 1000000; quick 100000)
  --no-compacted          skip the replay rows of the compacted container (measured by default)
  --json FILE             write {machine, rows, goals, validations, ...} as JSON
  --chart FILE.svg        write a throughput-vs-K chart
  --dir DIR               where the stores are made, in a fresh work-<pid>-* directory of the run's
                          own, removed at the end (default bench/results)
  --keep                  keep the stores afterwards
  --cpu-prof DIR          run every worker under node --cpu-prof, profiles into DIR
                          (summarise: node bench/lib/prof-top.js DIR 30 [--inclusive])
  --probe-locks           wrap fs-ext in the workers to time how long each flock is held
`;

let a;
try {
  ({ values: a } = parseArgs({
    options: {
      quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      procs: { type: 'string' }, ops: { type: 'string' }, 'ops-fsync': { type: 'string' },
      'row-seconds': { type: 'string' }, 'jit-warmup': { type: 'string' }, scenarios: { type: 'string' }, backends: { type: 'string' },
      durability: { type: 'string' }, 'replay-max': { type: 'string' }, 'no-compacted': { type: 'boolean' },
      json: { type: 'string' }, chart: { type: 'string' }, dir: { type: 'string' }, keep: { type: 'boolean' },
      'cpu-prof': { type: 'string' }, 'probe-locks': { type: 'boolean' },
    },
  }));
} catch (err) {
  // Unknown option or missing value: a usage error (exit 2), not a crash with a stack.
  process.stderr.write(`bench: ${err.message} (node bench/run.js --help)\n`);
  process.exit(2);
}
if (a.help) { process.stdout.write(HELP); process.exit(0); }

const list = (s, d) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : d);
const progress = (msg) => process.stderr.write(msg + '\n');
const quick = !!a.quick;
// A bad name is a usage error (exit 2), reported before anything is installed or measured.
const usage = (msg) => { progress(`bench: ${msg} (node bench/run.js --help)`); process.exit(2); };

const scenarios = list(a.scenarios, SCENARIOS);
for (const s of scenarios) if (!SCENARIOS.includes(s)) usage(`unknown scenario "${s}" (known: ${SCENARIOS.join(', ')})`);
// runstate-cli is measured by the cli scenario; --quick also leaves out the two variants that
// explain a difference (a blocking lock, a raw loop with runstate's way of waiting), to stay under a minute.
const notByDefault = quick ? ['runstate-cli', 'runstate-synclock', 'raw-flock-async'] : ['runstate-cli'];
const backends = list(a.backends, Object.keys(BACKENDS).filter((b) => !notByDefault.includes(b)));
for (const b of backends) if (!BACKENDS[b]) usage(`unknown backend "${b}" (known: ${Object.keys(BACKENDS).join(', ')})`);
// Install only what a backend that will actually run loads: `--scenarios replay` needs nothing.
ensureDeps(progress, [...new Set(backends
  .filter((b) => BACKENDS[b].scenarios.some((s) => scenarios.includes(s)))
  .flatMap((b) => BACKENDS[b].deps ?? []))]);
const { writesTable, replayTable } = await import('./lib/table.js');
const { goals, formatGoals } = await import('./lib/goals.js');
const { chart } = await import('./lib/chart.js');

const opsNone = Number(a.ops || (quick ? 300 : 2000));
const opsFsync = Number(a['ops-fsync'] || (a.ops ? Math.max(10, Math.round(opsNone * 0.15)) : quick ? 40 : 300));
const replayMax = Number(a['replay-max'] || (quick ? 1e5 : 1e6));
const jitWarmup = a['jit-warmup'] !== undefined ? Number(a['jit-warmup']) : quick ? 1000 : 20000;
if (!Number.isSafeInteger(jitWarmup) || jitWarmup < 0) usage(`--jit-warmup must be a whole number >= 0, got "${a['jit-warmup']}"`);
const workRoot = resolve(a.dir || join(BENCH, 'results'));
// Each run makes its stores in a fresh directory of its own under --dir: a store an earlier run
// left there (killed with SIGKILL, or --keep) is never in its way, and removing its own
// directory at the end touches nothing else in --dir.
let work, made;
try {
  for (let tries = 0; ; tries++) {
    try {
      made ??= mkdirSync(workRoot, { recursive: true });
      work = mkdtempSync(join(workRoot, `work-${process.pid}-`));
      break;
    } catch (err) {
      // Another run that made --dir removed it, empty, between the two calls: make it again.
      if (err.code !== 'ENOENT' || tries === 2) throw err;
    }
  }
} catch (err) {
  // An installed package may sit in a read-only prefix (npm install -g): say how to move the stores.
  progress(`bench: cannot make the stores under ${workRoot}: ${err.message}; pass --dir DIR on the file system to measure`);
  process.exit(1);
}
// Remove what this run made: its scratch directory, and the directories it created to hold it
// (--dir, or bench/results) while nothing else is in them.
function removeScratch() {
  if (a.keep) { progress(`kept the stores in ${work}`); return; }
  // Retried: a store's background write on libuv's pool may land while the tree is removed.
  rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  for (let d = workRoot; made && d.length >= made.length; d = dirname(d)) {
    try { rmdirSync(d); } catch { break; }
  }
}

// Interrupted (Ctrl-C, or `runstate bench` passing on SIGINT/SIGTERM): kill the workers, wait for
// them to exit (one still running could write into a store after its removal), remove what the
// run made, and exit as a shell reports the signal. A second signal changes nothing.
let interrupted = false;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    stopWorkers().then(() => {
      removeScratch();
      process.exit(code);
    });
  });
}

const ctx = {
  quick,
  procs: list(a.procs, quick ? ['1', '8'] : ['1', '2', '4', '8', '16']).map(Number),
  durability: list(a.durability, ['fsync', 'none']),
  backends,
  rowMs: Number(a['row-seconds'] || (quick ? 0.5 : 5)) * 1000,
  replaySizes: [10, 1e3, 1e4, 1e5, 1e6].filter((n) => n <= replayMax),
  compacted: !a['no-compacted'],
  opsFor: (d) => (d === 'fsync' ? opsFsync : opsNone),
  jitWarmup,
  execArgv: [
    ...(a['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(a['cpu-prof'])] : []),
    ...(a['probe-locks'] ? ['--import', new URL('./lib/lock-probe.js', import.meta.url).href] : []),
  ],
  validations: [], failures: [], notes: [], cold: null,
  progress,
  seq: 0,
  freshDir(label) { const d = join(work, `${String(++this.seq).padStart(3, '0')}-${label}`); mkdirSync(d, { recursive: true }); return d; },
  cleanDir(d) { if (!a.keep) rmSync(d, { recursive: true, force: true }); },
};

// runstate is only measured once the library is built with openStore exported
let runstateReady = false;
try {
  const dist = new URL('../dist/index.js', import.meta.url);
  runstateReady = existsSync(dist) && typeof (await import(dist)).openStore === 'function';
} catch (err) { ctx.notes.push(`runstate: dist/index.js failed to load: ${err.message}`); }
if (!runstateReady) {
  ctx.notes.push('runstate: skipped, dist/index.js does not export openStore (run `npm run build`)');
  ctx.backends = ctx.backends.filter((b) => !b.startsWith('runstate'));
}

const m = machine(workRoot);
try {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(':memory:');
  m.sqlite = db.prepare('select sqlite_version() as v').get().v;
  db.close();
} catch { /* reported as unknown */ }
process.stdout.write(formatMachine(m) + '\n');
const runOpts = { procs: ctx.procs, opsNone, opsFsync, rowSeconds: ctx.rowMs / 1000, scenarios, backends: ctx.backends, durability: ctx.durability, replaySizes: ctx.replaySizes };
process.stdout.write(`Run: K=${ctx.procs.join(',')}; M=${opsNone} ops/worker (none), ${opsFsync} (fsync), each row capped at ${ctx.rowMs / 1000} s; scenarios ${scenarios.join(',')}\n\n`);

const t0 = Date.now();
const rows = [];
try {
  for (const s of scenarios) {
    if (s === 'replay' && !runstateReady) { ctx.notes.push('replay: skipped, runstate not built'); continue; }
    if (s === 'cli' && !runstateReady) { ctx.notes.push('cli: skipped, runstate not built'); continue; }
    const mod = await import(`./scenarios/${s}.js`);
    const ts = Date.now();
    progress(`== ${s}: ${mod.about}`);
    rows.push(...(await mod.run(ctx)));
    progress(`== ${s}: ${((Date.now() - ts) / 1000).toFixed(0)} s`);
  }
} catch (err) {
  // A child that the same Ctrl-C killed (a replay or cold-start measurement) fails its scenario
  // before this process has turned its event loop to the signal: give the handler a moment.
  await new Promise((resolve) => setTimeout(resolve, 100));
  if (interrupted) await new Promise(() => {});
  removeScratch();
  throw err;
}
removeScratch();

// Validation first (klona style): a figure counts only if its backend stored every acked op.
const out = [];
out.push('Validation:');
const byBackend = new Map();
for (const v of ctx.validations) {
  if (!byBackend.has(v.backend)) byBackend.set(v.backend, []);
  byBackend.get(v.backend).push(v);
}
for (const [b, vs] of byBackend) {
  const bad = vs.filter((v) => !v.valid);
  const runs = `${vs.length} run${vs.length === 1 ? "" : "s"}`;
  if (!vs[0].locked) {
    const exp = vs.reduce((n, v) => n + v.expected, 0), lost = vs.reduce((n, v) => n + v.lost, 0);
    const torn = vs.reduce((n, v) => n + (v.torn || 0), 0);
    out.push(`  ✘ ${b.padEnd(19)} ${runs}: lost ${lost} of ${exp} acknowledged updates (${(100 * lost / Math.max(1, exp)).toFixed(0)}%)${torn ? `, ${torn} torn reads` : ''} — no lock, the bug; expected`);
  } else if (bad.length) {
    out.push(`  ✘ ${b.padEnd(19)} ${bad.length} of ${runs} INVALID:`);
    for (const v of bad) out.push(`      ${v.scenario}/${v.durability} K=${v.procs}: ${v.problems.join('; ') || `lost ${v.lost}`}`);
  } else {
    const n = vs.reduce((s, v) => s + v.expected, 0);
    out.push(`  ✔ ${b.padEnd(19)} ${runs}: ${n} acked ops all stored, 0 lost (${BACKENDS[b].checks})`);
  }
}
for (const f of ctx.failures) out.push(`  ✘ ${f.backend.padEnd(19)} ${f.scenario}/${f.durability} K=${f.procs} FAILED: ${f.error}`);
out.push('');
const writeRows = rows.filter((r) => r.scenario !== 'replay');
if (writeRows.length) out.push(writesTable(writeRows), '');
if (ctx.cold) out.push(`CLI cold start (median of ${ctx.cold.runs}): node -e 0 ${ctx.cold.nodeMs.toFixed(1)} ms, runstate state ${ctx.cold.stateMs.toFixed(1)} ms = ${ctx.cold.ratio.toFixed(2)}×`, '');
const probed = writeRows.filter((r) => r.lockHoldUs !== undefined);
if (probed.length) {
  const { render, sig } = await import('./lib/table.js');
  out.push('Lock probe (fs-ext wrapped): mean/max time one exclusive flock is held, share of wall time it was held:');
  out.push(render(probed, [
    ['scenario', (r) => r.scenario, 'l'], ['durability', (r) => r.durability, 'l'], ['backend', (r) => r.backend, 'l'], ['K', (r) => r.procs],
    ['hold µs', (r) => sig(r.lockHoldUs)], ['max hold ms', (r) => sig(r.lockMaxHoldMs)], ['held', (r) => `${Math.round(100 * r.lockBusy)}%`],
    ['busy tries', (r) => r.lockBusyTries], ['pool waits', (r) => r.lockPoolWaits],
  ]), '');
}
const replayRows = rows.filter((r) => r.scenario === 'replay');
if (replayRows.length) out.push('Replay (fresh process per size; durability none):', replayTable(replayRows), '');
const g = goals(rows, ctx.cold);
if (g.length && runstateReady) out.push('Targets:', formatGoals(g), '');
for (const n of ctx.notes) out.push(`Note: ${n}`);
out.push(`Total time ${((Date.now() - t0) / 1000).toFixed(0)} s; load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine skews figures)`);
process.stdout.write(out.join('\n') + '\n');

if (a.json) {
  writeFileSync(a.json, JSON.stringify({ machine: m, options: runOpts, rows, cold: ctx.cold, goals: g, validations: ctx.validations, failures: ctx.failures, notes: ctx.notes }, null, 2) + '\n');
  progress(`wrote ${a.json}`);
}
if (a.chart) {
  writeFileSync(a.chart, chart(rows, {
    title: 'runstate lock-contention benchmark: throughput vs worker processes',
    subtitle: `${m.cores} cores ${m.cpu}, Node ${m.node}, ${m.fs.type}; higher is better; ${m.date.slice(0, 10)}`,
  }));
  progress(`wrote ${a.chart}`);
}
process.exitCode = ctx.failures.length || [...byBackend.values()].flat().some((v) => v.locked && !v.valid) ? 1 : 0;
