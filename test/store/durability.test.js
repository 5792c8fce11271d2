import fs from 'node:fs';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore } from '../helpers/store.js';

// Watch the library's writes to and flushes of its logs (it shares this `fs` object): a clock ticks
// at each, so that a flush can be placed after the append it must cover.
function watchLogs() {
  const logs = new Map(); // fd → path, for descriptors of events.log files
  const events = [];
  let clock = 0;
  const saved = {};
  const wrap = (name, fn) => { saved[name] = fs[name]; fs[name] = fn(saved[name]); };
  wrap('openSync', (open) => function (file, ...rest) {
    const fd = open.call(this, file, ...rest);
    if (String(file).endsWith('events.log')) logs.set(fd, String(file));
    return fd;
  });
  wrap('writeSync', (write) => function (fd, ...rest) {
    const out = write.call(this, fd, ...rest);
    if (logs.has(fd)) events.push({ op: 'write', t: ++clock });
    return out;
  });
  wrap('fdatasync', (sync) => function (fd, cb) {
    const e = logs.has(fd) ? { op: 'flush', start: ++clock, end: Infinity } : null;
    if (e) events.push(e);
    return sync.call(this, fd, (err) => {
      if (e && !err) e.end = ++clock;
      cb(err);
    });
  });
  wrap('fdatasyncSync', (sync) => function (fd) {
    const e = logs.has(fd) ? { op: 'flush', start: ++clock, end: Infinity } : null;
    if (e) events.push(e);
    sync.call(this, fd);
    if (e) e.end = ++clock;
  });
  return { events, now: () => ++clock, restore: () => Object.assign(fs, saved) };
}

const Durable = suite('durability');
Durable.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Durable.after.each(dropStore);

for (const syncLock of [false, true]) {
  Durable(`fsync${syncLock ? ', sync-mode store' : ''}: a transition returns only after an fdatasync begun after its append has completed`, async ({ root }) => {
    const w = watchLogs();
    const s = await openStore({ root, durability: 'fsync', syncLock });
    try {
      await s.create('web');
      for (let i = 0; i < 20; i++) {
        const from = w.events.length;
        await s.annotate('web', { i: String(i) });
        const acked = w.now();
        const mine = w.events.slice(from);
        const writes = mine.filter((e) => e.op === 'write');
        assert.is(writes.length, 1, 'one append per transition');
        const covered = mine.some((e) => e.op === 'flush' && e.start > writes[0].t && e.end < acked);
        assert.ok(covered, `transition ${i}: no completed flush after its append (${JSON.stringify(mine)})`);
      }
    } finally {
      w.restore();
      await s.close();
    }
  });
}

Durable('none: transitions never flush the log', async ({ root }) => {
  const w = watchLogs();
  const s = await openStore({ root, durability: 'none' });
  try {
    await s.create('web');
    const from = w.events.length;
    for (let i = 0; i < 20; i++) await s.annotate('web', { i: String(i) });
    assert.is(w.events.slice(from).filter((e) => e.op === 'write').length, 20);
    assert.is(w.events.filter((e) => e.op === 'flush').length, 0);
  } finally {
    w.restore();
    await s.close();
  }
});

Durable.run();
