#!/usr/bin/env node
// Summarise .cpuprofile files (from `run.js --cpu-prof DIR`): top functions by self time,
// and by inclusive time (the function and what it calls) with --inclusive.
// Usage: node bench/lib/prof-top.js DIR [N] [--inclusive]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = process.argv.slice(2);
const inclusive = args.includes('--inclusive');
const [dir, nArg] = args.filter((a) => !a.startsWith('--'));
const top = Number(nArg) || 25;
const sums = new Map();
let total = 0;
for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
  const name = (id) => {
    const c = byId.get(id).callFrame;
    const where = c.url ? `${relative(process.cwd(), c.url.replace('file://', ''))}:${c.lineNumber + 1}` : '';
    return `${c.functionName || '(anonymous)'} ${where}`.trim();
  };
  for (const [id, us] of dt) {
    total += us;
    if (!inclusive) { sums.set(name(id), (sums.get(name(id)) || 0) + us); continue; }
    // Charge the sample to every distinct function on its stack (recursion counted once).
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const k = name(n);
      if (seen.has(k)) continue;
      seen.add(k);
      sums.set(k, (sums.get(k) || 0) + us);
    }
  }
}
console.log(`total sampled ${(total / 1000).toFixed(0)} ms (${inclusive ? 'inclusive' : 'self'} time)`);
for (const [k, us] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(100 * us / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
}
