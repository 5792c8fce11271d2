// runstate: the library under test, one store per worker process.
// annotate() transitions always succeed; with { mix } workers alternate pause()/resume()
// on a running container and EBADTRANSITION refusals are counted (they append nothing).
// The lock wait of each op is read from store.lockStats() (the in-process queue and flock).

import { join } from 'node:path';

const dist = new URL('../../dist/index.js', import.meta.url);
const LOCK_TIMEOUT_MS = 60_000;

async function store(dir, durability, opts = {}) {
  const { openStore } = await import(dist);
  return openStore({ root: dir, durability, lockTimeoutMs: LOCK_TIMEOUT_MS, ...(opts.syncLock ? { syncLock: true } : {}) });
}

// Events each container holds before the workers start
const setupEvents = (opts) => (opts.mix ? 2 : 1);

// Create each key's container (and start it, for the pause/resume mix)
export async function setup({ dir, keys, durability, opts }) {
  const s = await store(dir, durability);
  for (const key of keys) {
    await s.create(key, {});
    // No pid (0): a record driven by its runtime. Never a real pid — the CLI's pause/resume
    // would SIGSTOP/SIGCONT its process group.
    if (opts.mix) await s.start(key);
  }
  await s.close();
}

// The op of this variant on one store and container; `counter.refused` counts EBADTRANSITION (mix)
function opOf(s, key, worker, opts, counter) {
  if (!opts.mix) return (i) => s.annotate(key, { [`w${worker}`]: String(i) });
  return async (i) => {
    try {
      await ((i + worker) % 2 ? s.resume(key) : s.pause(key));
    } catch (err) {
      if (err.code !== 'EBADTRANSITION') throw err;
      counter.refused++;
    }
  };
}

// Per-worker handle; op() resolves when the transition is acknowledged. warm() runs the same
// transitions on a container of this worker's own (its own root under .warm/, durability none),
// so V8 has optimised the library's code before the row starts, without touching the measured one.
// Two stores take turns on it (one call in three, two in three), so that the path of a contended
// container — folding what another writer appended before deciding — is optimised too.
export async function open({ dir, key, durability, worker, opts }) {
  const s = await store(dir, durability, opts);
  const warmRoot = join(dir, '.warm', `w${worker}`);
  const w = await store(warmRoot, 'none', opts);
  const other = await store(warmRoot, 'none', opts);
  await w.create('warm', {});
  if (opts.mix) await w.start('warm');
  const warmOps = [opOf(w, 'warm', worker, opts, { refused: 0 }), opOf(other, 'warm', worker + 1, opts, { refused: 0 })];
  const handle = {
    sync: false,
    knowsLockWait: true,
    refused: 0,
    op: null,
    warm: (i) => warmOps[i % 3 === 0 ? 0 : 1](i),
    close: async () => {
      await s.close();
      await w.close();
      await other.close();
    },
  };
  const op = opOf(s, key, worker, opts, handle);
  // Resolves with the ns this op waited for its lock, as the other locked backends report it.
  handle.op = async (i) => {
    const before = s.lockStats().waitedMs;
    await op(i);
    return (s.lockStats().waitedMs - before) * 1e6;
  };
  return handle;
}

// Each key's history holds the setup events plus exactly every acked op, seq 1..n
export async function verify({ dir, keys, durability, acked, opts }) {
  const s = await store(dir, durability);
  let stored = 0; const problems = [];
  try {
    for (const key of keys) {
      const events = await s.history(key);
      const expected = setupEvents(opts) + (acked.get(key) || 0);
      stored += events.length - setupEvents(opts);
      const gaps = events.filter((e, i) => e.seq !== i + 1).length;
      if (gaps) problems.push(`${key}: ${gaps} events out of seq`);
      if (events.length !== expected) problems.push(`${key}: history holds ${events.length} events, ${expected} expected`);
      const st = await s.state(key);
      if (st.seq !== events.length) problems.push(`${key}: state.seq ${st.seq} != history length ${events.length}`);
    }
  } finally {
    await s.close();
  }
  return { stored, problems, lost: 0 };
}
