// Pure statistics over per-op samples sent back by the workers.

// Value at quantile q (0..1) of an ascending-sorted array, nearest-rank
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

// Median of a plain array of numbers
export function median(values) {
  return quantile(Float64Array.from(values).sort(), 0.5);
}

// Count of ascending `ends` that are <= t (binary search)
function countUpTo(ends, t) {
  let lo = 0, hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid] <= t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// Fairness: when the first worker stops, the slowest worker's ops done / the fastest's.
// 1 means every worker progressed evenly; 0.1 means one got a tenth of the leader's turns.
// Measured at the first stop because after it the survivors contend less and catch up.
export function fairness(workers) {
  if (workers.length < 2) return 1;
  const tFirst = Math.min(...workers.map((w) => (w.ends.length ? w.ends[w.ends.length - 1] : w.goAt)));
  const done = workers.map((w) => countUpTo(w.ends, tFirst));
  const most = Math.max(...done);
  return most === 0 ? 1 : Math.min(...done) / most;
}

// Summarise one run: throughput over the wall time from the first "go" to the last op,
// latency quantiles over every op of every worker, lock-wait share where known.
export function summarise(workers) {
  const ops = workers.reduce((n, w) => n + w.lat.length, 0);
  const all = new Float64Array(ops);
  let off = 0, latSum = 0, waitSum = 0, waitKnown = true;
  for (const w of workers) {
    all.set(w.lat, off);
    off += w.lat.length;
    for (let i = 0; i < w.lat.length; i++) latSum += w.lat[i];
    if (!w.waits) waitKnown = false;
    else for (let i = 0; i < w.waits.length; i++) waitSum += w.waits[i];
  }
  all.sort();
  const start = Math.min(...workers.map((w) => w.goAt));
  const end = Math.max(...workers.map((w) => (w.ends.length ? w.ends[w.ends.length - 1] : w.goAt)));
  const wallNs = Math.max(1, end - start);
  return {
    ops,
    wallMs: wallNs / 1e6,
    opsPerSec: ops / (wallNs / 1e9),
    p50Ms: quantile(all, 0.5) / 1e6,
    p99Ms: quantile(all, 0.99) / 1e6,
    maxMs: (all.length ? all[all.length - 1] : NaN) / 1e6,
    lockWaitShare: waitKnown && latSum > 0 ? waitSum / latSum : null,
    fairness: fairness(workers),
  };
}
