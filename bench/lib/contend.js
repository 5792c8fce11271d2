// One row of a contention scenario: set the backend up in a fresh directory, run K
// workers behind the barrier, validate what the backend stored, then summarise.
import { loadBackend } from '../backends/index.js';
import { runWorkers } from './harness.js';
import { summarise } from './stats.js';

// Run `backend` with `procs` workers; `keyOf(w)` picks each worker's container
export async function contend(ctx, { scenario, backend: name, procs, durability, keyOf, ops, deadlineMs }) {
  const backend = await loadBackend(name);
  const dir = await ctx.freshDir(`${scenario}-${name}-${durability}-k${procs}`);
  const keys = [...new Set(Array.from({ length: procs }, (_, w) => keyOf(w)))];
  await backend.setup({ dir, keys, durability });
  // Untimed warm-up ops before the barrier: V8 optimises a function after some hundreds of calls,
  // and a long-running embedder runs warm code. The same count for every backend.
  const warmup = Math.max(1, Math.min(500, Math.floor(ops / 4)));
  const workers = await runWorkers({
    procs,
    keyOf,
    execArgv: ctx.execArgv,
    hangMs: Math.max(30_000, 3 * deadlineMs + 20_000),
    init: { backend: name, dir, durability, ops, warmup, jitWarmup: ctx.jitWarmup ?? 0, deadlineMs },
  });
  // Validation happens before the figures are trusted: the store must hold every acked op.
  const acked = new Map();
  workers.forEach((r, w) => acked.set(keyOf(w), (acked.get(keyOf(w)) || 0) + r.acked));
  const v = await backend.verify({ dir, keys, durability, acked });
  const expected = [...acked.values()].reduce((a, b) => a + b, 0);
  const lost = backend.locked ? Math.max(0, expected - v.stored) : v.lost;
  const valid = backend.locked ? v.problems.length === 0 && lost === 0 : v.problems.length === 0;
  const s = summarise(workers);
  const torn = workers.reduce((n, r) => n + ((r.extra && r.extra.torn) || 0), 0) + (v.tornFiles || 0);
  const refused = workers.reduce((n, r) => n + (r.refused || 0), 0);
  await ctx.cleanDir(dir);
  // --probe-locks: how long the flock was held per op, and for what share of the wall time
  const probes = workers.map((r) => r.probe).filter(Boolean);
  const probe = {};
  if (probes.length && probes.some((p) => p.holds > 0)) {
    const holds = probes.reduce((n, p) => n + p.holds, 0), holdNs = probes.reduce((n, p) => n + p.holdNs, 0);
    probe.lockHoldUs = holds ? holdNs / holds / 1e3 : null;
    probe.lockMaxHoldMs = Math.max(...probes.map((p) => p.maxHoldNs)) / 1e6;
    probe.lockBusy = holdNs / (s.wallMs * 1e6);
    probe.lockBusyTries = probes.reduce((n, p) => n + p.busyTries, 0);
    probe.lockPoolWaits = probes.reduce((n, p) => n + p.poolWaits, 0);
  }
  return {
    row: {
      scenario, backend: name, procs, durability,
      ops: s.ops, opsPerSec: s.opsPerSec, p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs: s.maxMs,
      lockWaitShare: s.lockWaitShare, fairness: s.fairness, lost,
      ...(name.endsWith('-mix') || name.endsWith('-cli') ? { refused } : {}),
      valid,
      ...probe,
    },
    validation: { backend: name, locked: backend.locked, expected, stored: v.stored, lost, torn, problems: v.problems, valid },
  };
}
