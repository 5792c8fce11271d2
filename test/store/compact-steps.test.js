import fs from 'node:fs';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore } from '../helpers/store.js';

// The file system calls a compaction makes, in order, with the paths they touch (descriptors are
// mapped back to the path they were opened with). The library shares this `fs` object.
function traceFs() {
  const names = new Map();
  const trace = [];
  const saved = {};
  const wrap = (name, record) => {
    saved[name] = fs[name];
    fs[name] = function (...args) {
      const out = saved[name].apply(this, args);
      record(args, out);
      return out;
    };
  };
  wrap('openSync', ([file], fd) => names.set(fd, String(file)));
  wrap('fdatasyncSync', ([fd]) => trace.push(['fdatasync', names.get(fd)]));
  wrap('fsyncSync', ([fd]) => trace.push(['fsync', names.get(fd)]));
  wrap('renameSync', ([from, to]) => trace.push(['rename', String(from), String(to)]));
  wrap('linkSync', ([from, to]) => trace.push(['link', String(from), String(to)]));
  return { trace, restore: () => Object.assign(fs, saved) };
}

// Make the n-th call of fs[name] whose first argument ends with `suffix` throw, as a crash there would stop it.
function failAt(name, suffix) {
  const saved = fs[name];
  fs[name] = function (...args) {
    if (String(args[0]).endsWith(suffix)) throw Object.assign(new Error(`injected failure of ${name}(${args[0]})`), { code: 'EIO' });
    return saved.apply(this, args);
  };
  return () => { fs[name] = saved; };
}

const Steps = suite('compaction steps');
Steps.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore({ durability: 'fsync' }));
  await ctx.store.create('web');
  for (let i = 0; i < 5; i++) await ctx.store.annotate('web', { i: String(i) });
});
Steps.after.each(dropStore);

Steps('each step is durable, its name included, before the next one depends on it', async ({ store, root }) => {
  const dir = path.join(root, 'web');
  const t = traceFs();
  try {
    await store.compact('web');
  } finally {
    t.restore();
  }
  const sealed = path.join(dir, 'segments', '000000000001-000000000006.log');
  const snap = path.join(dir, 'snapshot-000000000006.bin');
  const log = path.join(dir, 'events.log');
  const steps = t.trace;
  const at = (...step) => {
    const i = steps.findIndex((s) => JSON.stringify(s) === JSON.stringify(step));
    assert.ok(i >= 0, `${JSON.stringify(step)} in ${JSON.stringify(steps)}`);
    return i;
  };
  const order = [
    at('link', log, sealed),
    at('fsync', path.join(dir, 'segments')),
    at('fdatasync', `${snap}.tmp`),
    at('rename', `${snap}.tmp`, snap),
    at('fsync', dir),
    at('fdatasync', `${log}.tmp`),
    at('rename', `${log}.tmp`, log),
  ];
  assert.equal(order, [...order].sort((a, b) => a - b), JSON.stringify(steps));
  // The new segment's name is made durable too, after its rename.
  assert.ok(steps.slice(order.at(-1)).some(([op, p]) => op === 'fsync' && p === dir), 'the directory is synced after the new segment');
});

// A compaction stopped at each step (the call fails as a crash there would stop it): the container
// still loads with every event, verifies, takes new events, and the next compaction completes.
for (const [name, suffix, step] of [
  ['linkSync', '.log', 'sealing'],
  ['renameSync', '.bin.tmp', 'renaming the snapshot'],
  ['fsyncSync', 'web', 'syncing the directory after the snapshot'],
  ['renameSync', 'events.log.tmp', 'replacing the active segment'],
]) {
  Steps(`stopped at ${step}: nothing is lost and the next compaction completes`, async ({ store, root }) => {
    const restore = name === 'fsyncSync' ? failDirSync(path.join(root, 'web'), 1) : failAt(name, suffix);
    try {
      await store.compact('web');
      assert.unreachable('the injected failure stops the compaction');
    } catch (e) {
      assert.match(e.message, 'injected failure');
    } finally {
      restore();
    }
    const s = await openStore({ root, durability: 'fsync' });
    try {
      assert.equal((await s.history('web')).map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
      assert.is((await s.state('web')).annotations.i, '4');
      assert.ok((await s.verify('web')).ok);
      assert.is((await s.annotate('web', { after: step })).seq, 7);
      const r = await s.compact('web');
      assert.is(r.seq, 7);
      assert.equal((await s.history('web')).map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
      assert.is((await s.replay('web', { atSeq: 6 })).annotations.i, '4');
      const v = await s.verify('web');
      assert.ok(v.ok, JSON.stringify(v.problems));
    } finally {
      await s.close();
    }
  });
}

// Fail the n-th fsync of a directory's descriptor (fsyncSync takes a descriptor: match it by the path it was opened with).
function failDirSync(dir, n) {
  const open = fs.openSync;
  const fsync = fs.fsyncSync;
  const dirFds = new Set();
  let seen = 0;
  fs.openSync = function (file, ...rest) {
    const fd = open.call(this, file, ...rest);
    if (String(file) === dir) dirFds.add(fd);
    return fd;
  };
  fs.fsyncSync = function (fd) {
    if (dirFds.has(fd) && ++seen === n) throw Object.assign(new Error(`injected failure of fsyncSync(${dir})`), { code: 'EIO' });
    return fsync.call(this, fd);
  };
  return () => { fs.openSync = open; fs.fsyncSync = fsync; };
}

Steps.run();
