// One benchmark worker process: opens a backend, warms up, waits at the barrier,
// then runs its ops timing each one, and sends the samples back over IPC.
import { hrtime } from 'node:process';
import { loadBackend } from '../backends/index.js';

const now = () => Number(hrtime.bigint());

let cfg;
let handle;
let warmupAcked = 0;
// Set before this worker closes the channel itself; any other disconnect means the runner is
// gone (interrupted), nobody will read the samples, so stop now rather than at the deadline.
let leaving = false;
process.on('disconnect', () => { if (!leaving) process.exit(1); });

process.on('message', async (msg) => {
  try {
    if (msg.type === 'init') await init(msg);
    else if (msg.type === 'go') await run();
  } catch (err) {
    process.send({ type: 'error', message: String(err && err.stack || err), code: err && err.code });
    process.exitCode = 1;
    leaving = true;
    process.disconnect();
  }
});

async function init(msg) {
  cfg = msg;
  const backend = await loadBackend(cfg.backend);
  handle = await backend.open(cfg);
  // JIT warm-up, where the backend has a private place for it (runstate): enough calls for V8 to
  // optimise a library's whole call path, which a few hundred ops on the shared key do not give.
  if (handle.warm) {
    for (let i = 0; i < cfg.jitWarmup; i++) await handle.warm(i);
  }
  // Warm-up ops (JIT, first open, page cache) happen before the barrier and are
  // counted as acknowledged ops for validation, but never timed.
  for (let i = 0; i < cfg.warmup; i++) {
    const r = handle.op(i);
    if (!handle.sync) await r;
  }
  warmupAcked = cfg.warmup - (handle.refused || 0);
  if (handle.refused) handle.refused = 0;
  process.send({ type: 'ready' });
}

async function run() {
  const { ops, deadlineMs } = cfg;
  const lat = new Float64Array(ops);
  const waits = handle.knowsLockWait ? new Float64Array(ops) : null;
  const ends = new Float64Array(ops);
  if (globalThis.__lockProbeReset) globalThis.__lockProbeReset();
  const goAt = now();
  const deadline = deadlineMs > 0 ? goAt + deadlineMs * 1e6 : Infinity;
  let n = 0;
  let error = null;
  try {
    if (handle.sync) {
      for (; n < ops; n++) {
        const t0 = now();
        const w = handle.op(n + cfg.warmup);
        const t1 = now();
        lat[n] = t1 - t0;
        if (waits) waits[n] = w;
        ends[n] = t1;
        if (t1 > deadline) { n++; break; }
      }
    } else {
      for (; n < ops; n++) {
        const t0 = now();
        const w = await handle.op(n + cfg.warmup);
        const t1 = now();
        lat[n] = t1 - t0;
        if (waits) waits[n] = w;
        ends[n] = t1;
        if (t1 > deadline) { n++; break; }
      }
    }
  } catch (err) {
    error = { message: String(err && err.stack || err), code: err && err.code };
  }
  const refused = handle.refused || 0;
  await handle.close();
  process.send({
    type: 'done',
    goAt,
    lat: lat.subarray(0, n),
    waits: waits ? waits.subarray(0, n) : null,
    ends: ends.subarray(0, n),
    acked: warmupAcked + n - refused,
    refused,
    extra: handle.extra ? handle.extra() : undefined,
    probe: globalThis.__lockProbe ? { ...globalThis.__lockProbe } : undefined,
    error,
  });
  leaving = true;
  process.disconnect();
}
