// Plain-text tables for stdout.

// A number to 3 significant digits, no exponent; '-' for null
export function sig(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (x === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - mag);
  return x.toFixed(Math.min(decimals, 6));
}

const pct = (x) => (x === null || x === undefined ? '-' : `${Math.round(x * 100)}%`);
const int = (x) => (x === null || x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));

// Render rows as an aligned table with a header; `cols` = [[title, fn, align]]
export function render(rows, cols) {
  const cells = rows.map((r) => cols.map(([, f]) => String(f(r))));
  const widths = cols.map(([t], i) => Math.max(t.length, ...cells.map((c) => c[i].length)));
  const line = (vals) => vals.map((v, i) => (cols[i][2] === 'l' ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(cols.map(([t]) => t)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

const WRITE_COLS = [
  ['scenario', (r) => r.scenario, 'l'],
  ['durability', (r) => r.durability, 'l'],
  ['backend', (r) => r.backend, 'l'],
  ['K', (r) => r.procs],
  ['ops', (r) => r.ops],
  ['ops/s', (r) => int(r.opsPerSec)],
  ['p50 ms', (r) => sig(r.p50Ms)],
  ['p99 ms', (r) => sig(r.p99Ms)],
  ['max ms', (r) => sig(r.maxMs)],
  ['lock wait', (r) => pct(r.lockWaitShare)],
  ['fairness', (r) => (r.fairness === null ? '-' : r.fairness.toFixed(2))],
  ['lost', (r) => r.lost],
  ['refused', (r) => (r.refused === undefined ? '' : r.refused)],
  ['valid', (r) => (r.valid ? '✔' : '✘')],
];

// Table of the contention scenarios (hot, spread, cli), a blank line between groups
export function writesTable(rows) {
  const groups = [];
  let prev = null;
  for (const r of rows) {
    const g = `${r.scenario}/${r.durability}`;
    if (g !== prev) groups.push([]);
    groups[groups.length - 1].push(r);
    prev = g;
  }
  const all = render(rows, WRITE_COLS).split('\n');
  const out = all.slice(0, 2);
  let i = 2;
  groups.forEach((g, gi) => {
    if (gi) out.push('');
    out.push(...all.slice(i, i + g.length));
    i += g.length;
  });
  return out.join('\n');
}

// Table of the replay scenario
export function replayTable(rows) {
  return render(rows, [
    ['backend', (r) => r.backend, 'l'],
    ['events', (r) => int(r.ops)],
    ['open+state ms', (r) => sig(r.openStateMs)],
    ['replay to head ms', (r) => sig(r.p50Ms)],
    ['events/s decoded', (r) => int(r.opsPerSec)],
    ['via', (r) => r.decodedBy, 'l'],
  ]);
}
