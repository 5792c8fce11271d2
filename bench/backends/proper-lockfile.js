// proper-lockfile: the lock npm users reach for — mkdir-based, sleep-and-retry on contention.
import { closeSync, fdatasyncSync, fstatSync, openSync, writeSync, writeFileSync } from 'node:fs';
import { hrtime } from 'node:process';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { record, RECORD_SIZE, verifyRecords } from './records.js';

const fileOf = (dir, key) => join(dir, `${key}.log`);

// Retries on, backing off from 1 ms to 50 ms with jitter, forever (so K=16 never gives up).
// A big `retries` count instead would cost ~0.2 µs per retry per op: the `retry` package
// builds and sorts the whole timeout array on every lock() (100k retries = 22 ms/op).
export const RETRIES = { retries: 20, forever: true, factor: 1.5, minTimeout: 1, maxTimeout: 50, randomize: true };

// Create the empty record file of each key
export function setup({ dir, keys }) {
  for (const key of keys) writeFileSync(fileOf(dir, key), '');
}

// Per-worker handle; op() returns the ns spent acquiring the lock
export function open({ dir, key, durability, worker }) {
  const file = fileOf(dir, key);
  const fd = openSync(file, 'a');
  const sync = durability === 'fsync';
  return {
    sync: false,
    knowsLockWait: true,
    async op(i) {
      const t0 = hrtime.bigint();
      const release = await lockfile.lock(file, { retries: RETRIES, realpath: false });
      const wait = Number(hrtime.bigint() - t0);
      try {
        // read-modify-append: the next seq comes from what is on disk under the lock
        const seq = fstatSync(fd).size / RECORD_SIZE + 1;
        writeSync(fd, record(seq, worker, i));
        if (sync) fdatasyncSync(fd);
      } finally {
        await release();
      }
      return wait;
    },
    close() { closeSync(fd); },
  };
}

// Every acked op is one whole record, with seqs 1..n (no update lost under the lock)
export function verify({ dir, keys, acked }) {
  let stored = 0; const problems = [];
  for (const key of keys) {
    const r = verifyRecords(fileOf(dir, key), acked.get(key) || 0, { checkSeq: true });
    stored += r.stored;
    problems.push(...r.problems.map((p) => `${key}: ${p}`));
  }
  return { stored, problems, lost: 0 };
}
