import fs from 'node:fs';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { LockManager } from '../../dist/lock/container-lock.js';
import { poolWaitersInFlight } from '../../dist/lock/pool-gate.js';
import { forkCounter, forkHolder, makeContainer, openFdCount, waitFor, rejects, timeoutBound } from '../fixtures/lock-harness.js';
import { rmRoot, tmpRoot } from '../helpers/tmp.js';


// Each suite: a temp root with container "web" and a forked holder process.
function withHolder(s) {
  s.before.each(async (ctx) => {
    ctx.root = tmpRoot();
    ctx.dir = makeContainer(ctx.root, 'web');
    ctx.file = path.join(ctx.dir, 'lock');
    ctx.holder = await forkHolder();
  });
  s.after.each(async (ctx) => {
    await ctx.holder.kill();
    // Abandoned pool waits finish once their holder is gone; do not leak them into the next test.
    await waitFor(() => poolWaitersInFlight() === 0, 5000, 'abandoned pool waits to finish');
    rmRoot(ctx.root);
  });
}

const Timeout = suite('withLock: lock held by another process');
withHolder(Timeout);

for (const sync of [true, false]) {
  Timeout(`timeout 0 and 200 ms fail with ELOCKTIMEOUT, then the lock is ours after release (sync: ${sync})`, async (ctx) => {
    await ctx.holder.call('lock', { file: ctx.file });
    const locks = new LockManager({ sync });
    let ran = false;
    const err = await rejects(locks.withLock(ctx.dir, 'ex', () => { ran = true; }, { timeoutMs: 0 }), 'ELOCKTIMEOUT');
    assert.match(err.message, 'timed out after 0 ms waiting for the lock of container "web"');
    assert.match(err.message, 'another process');
    const t0 = performance.now();
    await rejects(locks.withLock(ctx.dir, 'ex', () => { ran = true; }, { timeoutMs: 200 }), 'ELOCKTIMEOUT');
    const waited = performance.now() - t0;
    assert.ok(waited >= 195 && waited < timeoutBound(200), `waited ${waited} ms`);
    const { timedOut, maxWaitMs } = locks.stats();
    assert.is(timedOut, 2);
    assert.ok(maxWaitMs >= 195 && maxWaitMs <= waited, `maxWaitMs ${maxWaitMs}, waited ${waited} ms`);
    assert.not.ok(ran);
    await ctx.holder.call('unlock', { file: ctx.file });
    // Not timeout 0: an abandoned pool wait may hold the lock for an instant before giving it back.
    assert.is(await locks.withLock(ctx.dir, 'ex', () => 'ours', { timeoutMs: 5000 }), 'ours');
  });
}

Timeout('a waiter proceeds once the holder releases (async, pool and polling paths)', async (ctx) => {
  await ctx.holder.call('lock', { file: ctx.file });
  let released = false;
  const pool = new LockManager({ timeoutMs: 5000, maxPoolWaiters: 1 });
  const poll = new LockManager({ timeoutMs: 5000, maxPoolWaiters: 0 });
  const a = pool.withLock(ctx.dir, 'sh', () => assert.ok(released));
  const b = poll.withLock(ctx.dir, 'sh', () => assert.ok(released));
  await waitFor(() => poolWaitersInFlight() === 1, 5000, 'one pool waiter');
  released = true;
  await ctx.holder.call('unlock', { file: ctx.file });
  await Promise.all([a, b]);
});

for (const sync of [false, true]) {
  Timeout(`a SIGKILLed holder's lock is released by the kernel and the waiter proceeds (sync: ${sync})`, async (ctx) => {
    await ctx.holder.call('lock', { file: ctx.file });
    const locks = new LockManager({ sync, timeoutMs: sync ? Infinity : 10_000, maxPoolWaiters: 1 });
    if (sync) {
      // The sync wait blocks this thread, so the child kills itself a moment later.
      await ctx.holder.call('dieIn', { ms: 50 });
      await locks.withLock(ctx.dir, 'ex', () => {});
      const { signal } = await ctx.holder.exited;
      assert.is(signal, 'SIGKILL');
    } else {
      let killed = false;
      const waiting = locks.withLock(ctx.dir, 'ex', () => assert.ok(killed, 'ran only after the kill'));
      await waitFor(() => poolWaitersInFlight() === 1, 5000, 'the pool waiter');
      killed = true;
      ctx.holder.child.kill('SIGKILL');
      await waiting;
    }
  });
}

Timeout.run();

// ---

const Shared = suite('withLock: shared locks across processes');

Shared.before.each(async (ctx) => {
  ctx.root = tmpRoot();
  ctx.dir = makeContainer(ctx.root, 'web');
  ctx.file = path.join(ctx.dir, 'lock');
  ctx.holders = await Promise.all([forkHolder(), forkHolder()]);
});
Shared.after.each(async (ctx) => {
  await Promise.all(ctx.holders.map((h) => h.kill()));
  rmRoot(ctx.root);
});

Shared('two processes hold sh at once; sh joins them; ex waits for both', async (ctx) => {
  const [h1, h2] = ctx.holders;
  assert.ok((await h1.call('lock', { file: ctx.file, mode: 'shnb' })).locked);
  assert.ok((await h2.call('lock', { file: ctx.file, mode: 'shnb' })).locked, 'both hold sh at once');
  const locks = new LockManager({ timeoutMs: 5000 });
  assert.is(await locks.withLock(ctx.dir, 'sh', () => 'reader', { timeoutMs: 0 }), 'reader');
  await rejects(locks.withLock(ctx.dir, 'ex', () => {}, { timeoutMs: 0 }), 'ELOCKTIMEOUT');
  let asked2 = false;
  const writer = locks.withLock(ctx.dir, 'ex', () => assert.ok(asked2, 'ex ran while a sh holder still held'));
  await h1.call('unlock', { file: ctx.file });
  asked2 = true;
  await h2.call('unlock', { file: ctx.file });
  await writer;
});

Shared.run();

// ---

const Counter = suite('withLock: multi-process mutual exclusion');

Counter.before.each((ctx) => {
  ctx.root = tmpRoot();
  ctx.dir = makeContainer(ctx.root, 'web');
  fs.writeFileSync(path.join(ctx.dir, 'counter'), '0');
});
Counter.after.each((ctx) => rmRoot(ctx.root));

Counter('4 processes x 200 read-modify-writes under withLock: exactly 800', async (ctx) => {
  await Promise.all([forkCounter(ctx.dir, 200), forkCounter(ctx.dir, 200), forkCounter(ctx.dir, 200), forkCounter(ctx.dir, 200)]);
  assert.is(fs.readFileSync(path.join(ctx.dir, 'counter'), 'utf8'), '800');
});

Counter('mixed sync and async processes: exactly 800', async (ctx) => {
  await Promise.all([forkCounter(ctx.dir, 200, 'sync'), forkCounter(ctx.dir, 200), forkCounter(ctx.dir, 200, 'sync'), forkCounter(ctx.dir, 200)]);
  assert.is(fs.readFileSync(path.join(ctx.dir, 'counter'), 'utf8'), '800');
});

Counter.run();

// ---

const Deleted = suite('withLock: container deleted while waiting');
withHolder(Deleted);

Deleted('deleted while waiting: ENOTFOUND and fn never runs', async (ctx) => {
  await ctx.holder.call('lock', { file: ctx.file });
  const locks = new LockManager({ timeoutMs: 5000, maxPoolWaiters: 1 });
  let ran = false;
  // Assert at once: the rejection may come before the holder's replies do.
  const waiting = rejects(locks.withLock(ctx.dir, 'ex', () => { ran = true; }), 'ENOTFOUND');
  await waitFor(() => poolWaitersInFlight() === 1, 5000, 'the pool waiter');
  await ctx.holder.call('rename', { from: ctx.dir, to: path.join(ctx.root, 'web.deleted') });
  await ctx.holder.call('unlock', { file: ctx.file }); // the holder keys its fds by the path it locked
  const err = await waiting;
  assert.match(err.message, 'container "web" was deleted while waiting for its lock');
  assert.not.ok(ran);
});

Deleted('deleted while a sync waiter blocks: ENOTFOUND', async (ctx) => {
  await ctx.holder.call('lock', { file: ctx.file });
  const locks = new LockManager({ sync: true, timeoutMs: 5000 });
  let ran = false;
  const aside = path.join(ctx.root, 'web.deleted');
  // The sync wait blocks this thread: queue the delete and release in the child first.
  ctx.holder.child.send({ seq: -1, cmd: 'rename', from: ctx.dir, to: aside });
  ctx.holder.child.send({ seq: -2, cmd: 'unlock', file: ctx.file });
  await rejects(locks.withLock(ctx.dir, 'ex', () => { ran = true; }), 'ENOTFOUND');
  assert.not.ok(ran);
});

Deleted('deleted and re-created while waiting: fn runs on the new lock file', async (ctx) => {
  await ctx.holder.call('lock', { file: ctx.file });
  const oldIno = fs.statSync(ctx.file).ino;
  const locks = new LockManager({ timeoutMs: 5000, maxPoolWaiters: 1 });
  const waiting = locks.withLock(ctx.dir, 'ex', (held) => held.ino);
  await waitFor(() => poolWaitersInFlight() === 1, 5000, 'the pool waiter');
  const aside = path.join(ctx.root, 'web.deleted');
  const { ino: newIno } = await ctx.holder.call('recreate', { dir: ctx.dir, aside });
  await ctx.holder.call('unlock', { file: ctx.file });
  const ino = await waiting;
  assert.is(ino, newIno);
  assert.is.not(ino, oldIno);
});

Deleted('deleted and re-created again and again while waiting: waits on, until the timeout', async (ctx) => {
  await ctx.holder.call('lock', { file: ctx.file });
  const locks = new LockManager({ timeoutMs: 20_000, maxPoolWaiters: 1 });
  const waiting = locks.withLock(ctx.dir, 'ex', (held) => held.ino).catch((e) => e);
  let ino;
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 40)); // the waiter is blocked on the current file again
    ({ ino } = await ctx.holder.call('replace', { dir: ctx.dir, aside: path.join(ctx.root, `web.${i}`) }));
  }
  await new Promise((r) => setTimeout(r, 40));
  await ctx.holder.call('unlock', { file: ctx.file });
  assert.is(await waiting, ino, 'the lock of the container at the path at last');
  // With a short timeout, churn that outlasts it is ELOCKTIMEOUT.
  await ctx.holder.call('lock', { file: ctx.file });
  let ran = false;
  const short = locks.withLock(ctx.dir, 'ex', () => { ran = true; }, { timeoutMs: 150 });
  const settled = short.then(() => null, (e) => e); // it fails while the churn goes on
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 40));
    await ctx.holder.call('replace', { dir: ctx.dir, aside: path.join(ctx.root, `web.short${i}`) });
  }
  const err = await settled;
  assert.is(err?.code, 'ELOCKTIMEOUT');
  assert.match(err.message, 'timed out after 150 ms');
  assert.not.ok(ran);
  await ctx.holder.call('unlock', { file: ctx.file });
});

Deleted.run();

// ---

const Abandoned = suite('withLock: abandoned pool waits');
withHolder(Abandoned);

Abandoned('a timed-out pool wait does not keep the lock once the holder releases, and closes its fd', async (ctx) => {
  const fdsBefore = openFdCount();
  await ctx.holder.call('lock', { file: ctx.file });
  const locks = new LockManager({ maxPoolWaiters: 1 });
  await rejects(locks.withLock(ctx.dir, 'ex', () => {}, { timeoutMs: 50 }), 'ELOCKTIMEOUT');
  assert.is(poolWaitersInFlight(), 1, 'the abandoned wait still occupies its pool thread');
  await ctx.holder.call('unlock', { file: ctx.file });
  await waitFor(() => poolWaitersInFlight() === 0, 5000, 'the abandoned wait to return');
  // The abandoned wait took the lock and must give it back: try-once succeeds within a bounded time.
  await waitFor(async () => {
    try {
      return await locks.withLock(ctx.dir, 'ex', () => true, { timeoutMs: 0 });
    } catch (err) {
      if (err.code !== 'ELOCKTIMEOUT') throw err;
      return false;
    }
  }, 2000, 'the lock to be free');
  await locks.close();
  assert.is(openFdCount(), fdsBefore, 'no lock fd leaked');
  const r = await ctx.holder.call('lock', { file: ctx.file, mode: 'exnb' });
  assert.ok(r.locked, 'another process can take it too');
});

Abandoned.run();
