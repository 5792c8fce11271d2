// naive-json: the bug runstate exists to fix — read meta.json, bump, write it back, no lock.
// Two writers truncating and writing at once can also tear the file for good (a shorter
// JSON over a longer one leaves trailing bytes); readers here salvage the count and go on,
// counting those torn reads, where a real program would crash on JSON.parse.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const fileOf = (dir, key) => join(dir, `${key}.json`);

// The counter in the file's text: JSON if whole, else salvaged; null while empty (mid-truncate)
function readCount(text) {
  try { return { count: JSON.parse(text).count, torn: false }; } catch { /* torn */ }
  const m = /"count":(\d+)/.exec(text);
  return m ? { count: Number(m[1]), torn: true } : null;
}

// Start each key's counter at 0
export function setup({ dir, keys }) {
  for (const key of keys) writeFileSync(fileOf(dir, key), JSON.stringify({ id: key, count: 0 }));
}

// Per-worker handle; the lock wait is unknown (there is no lock)
export function open({ dir, key, durability }) {
  const file = fileOf(dir, key);
  const sync = durability === 'fsync';
  let torn = 0;
  return {
    sync: true,
    knowsLockWait: false,
    op() {
      let r = null;
      const until = Date.now() + 1000;
      // An empty file is another writer between truncate and write: read again (for at most 1 s).
      while (!(r = readCount(readFileSync(file, 'utf8'))) && Date.now() < until);
      if (!r || r.torn) torn++;
      const fd = openSync(file, 'w');
      writeSync(fd, JSON.stringify({ id: key, count: (r ? r.count : 0) + 1 }));
      if (sync) fsyncSync(fd);
      closeSync(fd);
      return 0;
    },
    extra: () => ({ torn }),
    close() {},
  };
}

// lost = acknowledged increments that the final counter does not hold
export function verify({ dir, keys, acked }) {
  let stored = 0, expected = 0, torn = 0;
  for (const key of keys) {
    const r = readCount(readFileSync(fileOf(dir, key), 'utf8'));
    if (!r || r.torn) torn++;
    stored += r ? r.count : 0;
    expected += acked.get(key) || 0;
  }
  return { stored, problems: [], lost: expected - stored, tornFiles: torn };
}
