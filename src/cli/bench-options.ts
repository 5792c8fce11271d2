import path from 'node:path';
import { InvalidArgumentError, Option } from 'commander';

/** Scenarios of bench/run.js (one file each under bench/scenarios/). */
export const BENCH_SCENARIOS = ['hot', 'spread', 'cli', 'replay'] as const;

/**
 * Backends of bench/run.js, the keys of bench/backends/index.js. Kept here so a typo is a usage
 * error before the runner starts; test/cli/bench.test.js fails when the two lists drift.
 */
export const BENCH_BACKENDS = [
  'runstate', 'runstate-mix', 'runstate-synclock', 'raw-flock', 'raw-flock-async', 'raw-flock-postsync',
  'naive-json', 'proper-lockfile', 'sqlite', 'runstate-cli',
] as const;

/** Durabilities the bench measures. */
export const BENCH_DURABILITIES = ['fsync', 'none'] as const;

// A whole number > 0, returned as the runner expects it (its `Number(x || default)` would
// silently take 0 as "the default").
function positive(value: string): string {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) === 0) {
    throw new InvalidArgumentError('expected a whole number > 0.');
  }
  return String(Number(value));
}

// A whole number >= 0.
function count(value: string): string {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a whole number >= 0.');
  return String(Number(value));
}

// `1,2,4,8`: whole numbers > 0.
function positives(value: string): string {
  try {
    return value.split(',').map((part) => positive(part.trim())).join(',');
  } catch {
    throw new InvalidArgumentError('expected whole numbers > 0, comma-separated, e.g. 1,2,4,8.');
  }
}

// Seconds > 0, fractions allowed (`0.5`).
function seconds(value: string): string {
  if (!/^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError('expected a number of seconds > 0, e.g. 0.5.');
  return String(Number(value));
}

// A comma-separated subset of `known`, duplicates dropped.
function names(known: readonly string[]): (value: string) => string {
  return (value) => {
    const list = value.split(',').map((part) => part.trim()).filter(Boolean);
    const unknown = list.filter((name) => !known.includes(name));
    if (list.length === 0 || unknown.length > 0) {
      throw new InvalidArgumentError(`${unknown.length ? `unknown ${unknown.map((u) => `"${u}"`).join(', ')}; ` : ''}expected a comma-separated list of: ${known.join(', ')}.`);
    }
    return [...new Set(list)].join(',');
  };
}

/** One option of the runner, as `runstate bench` declares and forwards it. */
interface BenchSpec {
  flags: string;
  about: string;
  /** Validates and normalises the value (a usage error otherwise). */
  parse?: (value: string) => string;
  /** A path: resolved against the caller's working directory before it is forwarded. */
  path?: boolean;
}

// The runner's options (node bench/run.js --help), in its order, with its defaults.
const SPECS: readonly BenchSpec[] = [
  { flags: '--quick', about: 'whole run in under a minute (K=1,8, few ops, rows capped at 0.5 s, replay to 10^5)' },
  { flags: '--procs <list>', about: 'worker process counts K (default 1,2,4,8,16)', parse: positives },
  { flags: '--ops <n>', about: 'ops per worker at durability none (default 2000; quick 300)', parse: positive },
  { flags: '--ops-fsync <n>', about: 'ops per worker at durability fsync (default 300; quick 40)', parse: positive },
  { flags: '--row-seconds <s>', about: 'stop a row\'s workers after <s> seconds (default 5; quick 0.5)', parse: seconds },
  { flags: '--jit-warmup <n>', about: 'untimed ops each runstate worker first runs on a container of its own, so V8 has optimised the library (default 20000; quick 1000; 0 = none)', parse: count },
  { flags: '--scenarios <list>', about: `scenarios to run: ${BENCH_SCENARIOS.join(',')} (default all)`, parse: names(BENCH_SCENARIOS) },
  { flags: '--backends <list>', about: `contenders: ${BENCH_BACKENDS.join(', ')} (default all but runstate-cli; --quick also leaves out runstate-synclock and raw-flock-async)`, parse: names(BENCH_BACKENDS) },
  { flags: '--durability <list>', about: 'durabilities to measure: fsync,none (default both); unlike the global option, a list', parse: names(BENCH_DURABILITIES) },
  { flags: '--replay-max <n>', about: 'largest replay history, in events (default 1000000; quick 100000)', parse: positive },
  { flags: '--no-compacted', about: 'skip the replay rows of the compacted container (measured by default)' },
  { flags: '--json <file>', about: 'write {machine, options, rows, goals, validations, ...} as JSON', path: true },
  { flags: '--chart <file.svg>', about: 'write a throughput-vs-K chart', path: true },
  { flags: '--dir <dir>', about: 'where the stores are made, in a fresh work-<pid>-* directory of the run (default bench/results in the package): the file system measured', path: true },
  { flags: '--keep', about: 'keep the stores afterwards' },
  { flags: '--cpu-prof <dir>', about: 'run every worker under node --cpu-prof, profiles into <dir>', path: true },
  { flags: '--probe-locks', about: 'wrap fs-ext in the workers to time how long each flock is held' },
];

// The commander option of one spec.
function option(spec: BenchSpec): Option {
  const opt = new Option(spec.flags, spec.about);
  return spec.parse ? opt.argParser(spec.parse) : opt;
}

// The options of `runstate bench`, declared so `--help` lists them and bad values exit 2.
export function benchOptions(): Option[] {
  return SPECS.map(option);
}

/** Parsed `runstate bench` options: normalised strings, or true for switches. */
export type BenchFlags = Record<string, string | boolean | undefined>;

// The runner's command line for parsed flags; paths made absolute against `cwd`, the caller's.
export function runnerArgs(flags: BenchFlags, cwd: string): string[] {
  const args: string[] = [];
  for (const spec of SPECS) {
    const opt = option(spec);
    const value = flags[opt.attributeName()];
    // A negated switch (`--no-x`) is passed on only when given, which sets its value to false.
    if (opt.negate) {
      if (value === false) args.push(opt.long!);
      continue;
    }
    if (value === undefined || value === false) continue;
    if (value === true) args.push(opt.long!);
    else args.push(opt.long!, spec.path ? path.resolve(cwd, value) : value);
  }
  return args;
}
