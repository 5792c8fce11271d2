// raw-flock: the floor any flock design pays — lock, append a fixed record, unlock.
// At fsync durability the record is fdatasync'ed BEFORE unlock (the "locked fsync loop"),
// or after unlock with { syncAfterUnlock } (concurrent writers then share flushes).
import { closeSync, fdatasyncSync, openSync, writeSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hrtime } from 'node:process';
import { join } from 'node:path';
import { record, verifyRecords } from './records.js';

// fs-ext comes from the root package (a runtime dependency of runstate itself)
const { flockSync, flock } = createRequire(new URL('../../package.json', import.meta.url))('fs-ext');

// Try LOCK_EX|LOCK_NB; when taken, wait for LOCK_EX on a libuv pool thread (loop not stalled)
function lockAsync(fd) {
  try {
    flockSync(fd, 'exnb');
    return null;
  } catch (err) {
    if (err.code !== 'EAGAIN' && err.code !== 'EWOULDBLOCK') throw err;
  }
  return new Promise((resolve, reject) => flock(fd, 'ex', (err) => (err ? reject(err) : resolve())));
}

const fileOf = (dir, key) => join(dir, `${key}.log`);

// Create the empty record file of each key
export function setup({ dir, keys }) {
  for (const key of keys) writeFileSync(fileOf(dir, key), '');
}

// Per-worker handle; op() returns the ns spent acquiring the lock
export function open({ dir, key, durability, worker, opts }) {
  const fd = openSync(fileOf(dir, key), 'a');
  const sync = durability === 'fsync';
  const after = sync && opts.syncAfterUnlock;
  if (opts.async) {
    // The same loop with the lock taken the way a long-running embedder must: without
    // blocking the event loop (try, then wait on a pool thread).
    return {
      sync: false,
      knowsLockWait: true,
      async op(i) {
        const t0 = hrtime.bigint();
        const p = lockAsync(fd);
        if (p) await p;
        const wait = Number(hrtime.bigint() - t0);
        writeSync(fd, record(0, worker, i));
        if (sync) fdatasyncSync(fd);
        flockSync(fd, 'un');
        return wait;
      },
      close() { closeSync(fd); },
    };
  }
  return {
    sync: true,
    knowsLockWait: true,
    op(i) {
      const t0 = hrtime.bigint();
      flockSync(fd, 'ex');
      const wait = Number(hrtime.bigint() - t0);
      writeSync(fd, record(0, worker, i));
      if (sync && !after) fdatasyncSync(fd);
      flockSync(fd, 'un');
      if (after) fdatasyncSync(fd);
      return wait;
    },
    close() { closeSync(fd); },
  };
}

// Every acked op is one whole record in its key's file
export function verify({ dir, keys, acked }) {
  let stored = 0; const problems = [];
  for (const key of keys) {
    const r = verifyRecords(fileOf(dir, key), acked.get(key) || 0);
    stored += r.stored;
    problems.push(...r.problems.map((p) => `${key}: ${p}`));
  }
  return { stored, problems, lost: 0 };
}
