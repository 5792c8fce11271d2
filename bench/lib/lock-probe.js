// Preloaded into runstate workers with `--probe-locks` (node --import): wraps fs-ext's flock
// calls to measure how long each exclusive lock is held (LOCK_EX granted → LOCK_UN) and how
// often a non-blocking try found it taken, since the library's lock is otherwise invisible.
import { createRequire } from 'node:module';
import { hrtime } from 'node:process';

const fsExt = createRequire(new URL('../../package.json', import.meta.url))('fs-ext');
const { flock, flockSync } = fsExt;
const now = () => Number(hrtime.bigint());
const heldSince = new Map();
const probe = { holds: 0, holdNs: 0, maxHoldNs: 0, busyTries: 0, poolWaits: 0 };
globalThis.__lockProbe = probe;
globalThis.__lockProbeReset = () => Object.assign(probe, { holds: 0, holdNs: 0, maxHoldNs: 0, busyTries: 0, poolWaits: 0 });

function released(fd) {
  const t = heldSince.get(fd);
  if (t === undefined) return;
  heldSince.delete(fd);
  const d = now() - t;
  probe.holds++;
  probe.holdNs += d;
  if (d > probe.maxHoldNs) probe.maxHoldNs = d;
}

fsExt.flockSync = function (fd, op) {
  if (op === 'un') released(fd);
  try {
    const r = flockSync(fd, op);
    if (op === 'ex' || op === 'exnb') heldSince.set(fd, now());
    return r;
  } catch (err) {
    if (op === 'exnb') probe.busyTries++;
    throw err;
  }
};

fsExt.flock = function (fd, op, cb) {
  if (op === 'un') released(fd);
  if (op === 'ex') probe.poolWaits++;
  return flock(fd, op, (err) => {
    if (!err && (op === 'ex' || op === 'exnb')) heldSince.set(fd, now());
    cb(err);
  });
};
