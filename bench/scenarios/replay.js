// replay: open + state of one container as its history grows (10 … 10^6 events), and
// the rate at which the whole log decodes. The log is grown through the library with
// durability none (one annotate per event); each size is measured in a fresh process.
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hrtime } from 'node:process';

export const name = 'replay';
export const about = 'open + state, and full decode, of a container with 10 … 10^6 events';

const CHILD = fileURLToPath(new URL('../lib/replay-child.js', import.meta.url));

function measure(root, id, reps) {
  return JSON.parse(execFileSync(process.execPath, [CHILD, root, id, String(reps)], { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

// A replay row; p50Ms is the median full-decode time of 3 runs in one fresh process, maxMs the
// slowest (usually the first, which includes the JIT's warm-up)
function row(backend, m, extra = {}) {
  return {
    scenario: 'replay', backend, procs: 1, durability: 'none',
    ops: m.events, opsPerSec: m.events / (m.replayMs / 1000), p50Ms: m.replayMs, p99Ms: null, maxMs: m.replayMaxMs,
    lockWaitShare: null, fairness: null, lost: 0, openStateMs: m.openStateMs, decodedBy: m.how, valid: true, ...extra,
  };
}

// Rows per history size: runstate, and runstate-compacted (unless --no-compacted)
export async function run(ctx) {
  const { openStore } = await import(new URL('../../dist/index.js', import.meta.url));
  const root = await ctx.freshDir('replay');
  const id = 'big';
  // Default projection settings, so meta.json lags the log as it would behind any writer.
  const store = await openStore({ root, durability: 'none' });
  await store.create(id, {});
  let have = 1;
  const rows = [];
  for (const size of ctx.replaySizes) {
    const t0 = hrtime.bigint();
    // Grow the log to `size` events. annotate values change so every event is distinct.
    while (have < size) {
      const n = Math.min(size - have, 1000);
      for (let i = 0; i < n; i++) await store.annotate(id, { k: String(have + i) });
      have += n;
      // Annotations that complete without waiting never turn the event loop: turn it every 1000,
      // or a SIGINT would be handled only after the whole build (seconds at 10^6).
      await new Promise(setImmediate);
    }
    const buildS = Number(hrtime.bigint() - t0) / 1e9;
    ctx.progress(`replay: ${size} events (built in ${buildS.toFixed(1)} s), measuring`);
    const reps = 3;
    const m = measure(root, id, reps);
    if (m.events !== size) throw new Error(`replay: container has ${m.events} events, expected ${size}`);
    rows.push(row('runstate', m));
    ctx.progress(`  open+state ${m.openStateMs.toFixed(1)} ms, ${m.how} ${m.replayMs.toFixed(1)} ms = ${Math.round(m.events / m.replayMs * 1000)} events/s`);
    if (ctx.compacted) {
      if (typeof store.compact !== 'function') {
        if (!ctx.notes.includes('replay: compacted rows skipped, store.compact() does not exist')) ctx.notes.push('replay: compacted rows skipped, store.compact() does not exist');
      } else {
        // Compact a copy so the uncompacted container keeps growing untouched.
        const copy = await ctx.freshDir('replay-compacted');
        cpSync(join(root, id), join(copy, id), { recursive: true });
        const cs = await openStore({ root: copy, durability: 'none' });
        await cs.compact(id);
        await cs.close();
        const mc = measure(copy, id, reps);
        // replay() to the last seq starts from the snapshot there: it decodes nothing, so no rate.
        rows.push(row('runstate-compacted', mc, { opsPerSec: null, decodedBy: 'snapshot' }));
        ctx.progress(`  compacted: open+state ${mc.openStateMs.toFixed(1)} ms`);
        await ctx.cleanDir(copy);
      }
    }
  }
  await store.close();
  await ctx.cleanDir(root);
  return rows;
}
