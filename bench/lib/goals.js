// The performance targets, computed as ratios from one run's rows.

const find = (rows, scenario, backend, durability, procs) =>
  rows.find((r) => r.scenario === scenario && r.backend === backend && r.durability === durability && r.procs === procs && r.valid);

// One line per goal: { goal, value, target, met } (met null when a figure is missing)
export function goals(rows, cold) {
  const ks = [...new Set(rows.filter((r) => r.scenario === 'hot').map((r) => r.procs))];
  const K = ks.includes(8) ? 8 : Math.max(0, ...ks);
  const out = [];
  const ratio = (goal, a, b, field, target, { invert = false, aim } = {}) => {
    const value = a && b ? (invert ? b[field] / a[field] : a[field] / b[field]) : null;
    out.push({ goal, value, target, aim, met: value === null ? null : value >= target });
  };
  const rs = (d) => find(rows, 'hot', 'runstate', d, K);
  if (K > 0) {
  ratio(`hot K=${K} none: runstate / sqlite NORMAL ops/s`, rs('none'), find(rows, 'hot', 'sqlite', 'none', K), 'opsPerSec', 1.0, { aim: 1.5 });
  ratio(`hot K=${K} none: runstate / raw-flock ops/s`, rs('none'), find(rows, 'hot', 'raw-flock', 'none', K), 'opsPerSec', 0.5);
  ratio(`hot K=${K} fsync: runstate / sqlite FULL ops/s`, rs('fsync'), find(rows, 'hot', 'sqlite', 'fsync', K), 'opsPerSec', 1.5);
  ratio(`hot K=${K} fsync: runstate / raw locked-fsync loop ops/s`, rs('fsync'), find(rows, 'hot', 'raw-flock', 'fsync', K), 'opsPerSec', 1.0);
  for (const d of ['none', 'fsync']) {
    ratio(`hot K=${K} ${d}: sqlite max / runstate max latency`, rs(d), find(rows, 'hot', 'sqlite', d, K), 'maxMs', 10, { invert: true });
    ratio(`hot K=${K} ${d}: proper-lockfile p99 / runstate p99`, rs(d), find(rows, 'hot', 'proper-lockfile', d, K), 'p99Ms', 10, { invert: true });
  }
  }
  const replay = rows.filter((r) => r.scenario === 'replay' && r.backend === 'runstate' && r.ops >= 1000);
  if (replay.length) {
    const big = replay.reduce((a, b) => (b.ops > a.ops ? b : a));
    out.push({ goal: `replay: events/s decoded (${big.ops} events)`, value: big.opsPerSec, target: 1e6, met: big.opsPerSec >= 1e6 });
  }
  const comp = rows.filter((r) => r.scenario === 'replay' && r.backend === 'runstate-compacted');
  if (comp.length >= 2) {
    const small = comp.reduce((a, b) => (b.ops < a.ops ? b : a)), big = comp.reduce((a, b) => (b.ops > a.ops ? b : a));
    const v = big.openStateMs / small.openStateMs;
    out.push({ goal: `replay compacted: open+state ${big.ops} / ${small.ops} events`, value: v, target: 2, max: true, met: v <= 2 });
  }
  if (cold) out.push({ goal: 'cli: `runstate state` / `node -e 0` (median, cold)', value: cold.ratio, target: 1.5, max: true, met: cold.ratio <= 1.5 });
  return out;
}

// Goals as lines for people
export function formatGoals(list) {
  return list.map((g) => {
    const mark = g.met === null ? '?' : g.met ? '✔' : '✘';
    const v = g.value === null ? 'n/a' : g.value >= 1e4 ? Math.round(g.value).toLocaleString('en-US') : g.value.toFixed(2);
    const t = `${g.max ? '≤' : '≥'} ${g.target >= 1e4 ? g.target.toLocaleString('en-US') : g.target}${g.aim ? ` (aim ${g.aim})` : ''}`;
    return `  ${mark} ${g.goal.padEnd(58)} ${v.padStart(10)}   target ${t}`;
  }).join('\n');
}
