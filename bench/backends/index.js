// The contenders: each name maps to a backend module plus the options of its variant;
// `deps` names the bench/ packages it loads (installed on first use, see lib/deps.js).
const BOTH = ['fsync', 'none'];

export const BACKENDS = {
  runstate: {
    checks: 'history = setup events + acked ops, seq 1..n',
    file: './runstate.js', opts: {}, locked: true, durabilities: BOTH, scenarios: ['hot', 'spread'],
    about: 'runstate annotate() transitions (library, one store per worker process)',
  },
  'runstate-mix': {
    checks: 'history = setup events + acked ops, seq 1..n',
    file: './runstate.js', opts: { mix: true }, locked: true, durabilities: BOTH, scenarios: ['hot'],
    about: 'runstate pause()/resume() alternating; EBADTRANSITION refusals are counted, not failures',
  },
  'runstate-synclock': {
    checks: 'history = setup events + acked ops, seq 1..n',
    file: './runstate.js', opts: { syncLock: true }, locked: true, durabilities: BOTH, scenarios: ['hot'],
    about: 'runstate annotate() with openStore({ syncLock: true }) (blocking flockSync, as the CLI uses)',
  },
  'raw-flock': {
    checks: 'one whole record per acked op',
    file: './raw-flock.js', opts: {}, locked: true, durabilities: BOTH, scenarios: ['hot', 'spread'],
    about: 'flockSync(ex) + append a 64 B record (+ fdatasync before unlock at fsync) + unlock',
  },
  'raw-flock-async': {
    checks: 'one whole record per acked op',
    file: './raw-flock.js', opts: { async: true }, locked: true, durabilities: BOTH, scenarios: ['hot'],
    about: 'raw-flock with the lock taken without stalling the loop: exnb, else flock(ex) on a libuv pool thread',
  },
  'raw-flock-postsync': {
    checks: 'one whole record per acked op',
    file: './raw-flock.js', opts: { syncAfterUnlock: true }, locked: true, durabilities: ['fsync'], scenarios: ['hot', 'spread'],
    about: 'raw-flock with fdatasync after unlock (writers share flushes)',
  },
  'naive-json': {
    checks: 'final counter vs acked increments',
    file: './naive-json.js', opts: {}, locked: false, durabilities: BOTH, scenarios: ['hot', 'spread'],
    about: 'unlocked read-modify-write of a JSON counter (the lost-update bug)',
  },
  'proper-lockfile': {
    checks: 'one whole record per acked op, seq 1..n',
    file: './proper-lockfile.js', opts: {}, deps: ['proper-lockfile'], locked: true, durabilities: BOTH, scenarios: ['hot', 'spread'],
    about: 'proper-lockfile lock (retries on) + read size + append + unlock',
  },
  sqlite: {
    checks: 'rows = acked ops, seq 1..n',
    file: './sqlite.js', opts: {}, deps: ['better-sqlite3'], locked: true, durabilities: BOTH, scenarios: ['hot', 'spread'],
    about: 'better-sqlite3, WAL, BEGIN IMMEDIATE + INSERT, busy_timeout=10000, synchronous FULL (fsync) / NORMAL (none)',
  },
  'runstate-cli': {
    checks: 'history = setup events + acked ops, seq 1..n',
    file: './runstate-cli.js', opts: {}, locked: true, durabilities: ['fsync'], scenarios: ['cli'],
    about: 'one `node bin/runstate.js pause|resume <id>` process per op (process start included)',
  },
};

// Backend module bound to its variant's options
export async function loadBackend(name) {
  const entry = BACKENDS[name];
  if (!entry) throw new Error(`unknown backend "${name}" (known: ${Object.keys(BACKENDS).join(', ')})`);
  const mod = await import(entry.file);
  return {
    ...entry,
    name,
    setup: (cfg) => (mod.setup ? mod.setup({ ...cfg, opts: entry.opts }) : undefined),
    open: (cfg) => mod.open({ ...cfg, opts: entry.opts }),
    verify: (cfg) => mod.verify({ ...cfg, opts: entry.opts }),
  };
}
