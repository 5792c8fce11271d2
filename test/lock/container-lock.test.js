import fs from 'node:fs';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { LockManager, withContainerLock } from '../../dist/lock/container-lock.js';
import { poolWaitersInFlight } from '../../dist/lock/pool-gate.js';
import { forkHolder, makeContainer, openFdCount, waitFor, rejects, timeoutBound } from '../fixtures/lock-harness.js';
import { rmRoot, tmpRoot } from '../helpers/tmp.js';


const Paths = suite('withLock: lock path checks');

Paths.before.each((ctx) => { ctx.root = tmpRoot(); });
Paths.after.each((ctx) => rmRoot(ctx.root));

Paths('runs fn with the lock file inode, returns its value, keeps one idle fd until close()', async (ctx) => {
  const dir = makeContainer(ctx.root, 'web');
  const locks = new LockManager();
  const before = openFdCount();
  const out = await locks.withLock(dir, 'ex', (held) => {
    assert.is(held.ino, fs.statSync(path.join(dir, 'lock')).ino);
    assert.type(held.fd, 'number');
    return 42;
  });
  assert.is(out, 42);
  assert.is(openFdCount(), before + 1, 'the unlocked descriptor is kept for the next acquisition');
  for (let i = 0; i < 5; i++) await locks.withLock(dir, 'ex', () => {});
  assert.is(openFdCount(), before + 1, 'and reused');
  await locks.close();
  assert.is(openFdCount(), before);
});

Paths('a missing lock file or directory is ENOTFOUND naming the container', async (ctx) => {
  const locks = new LockManager();
  let ran = false;
  const err = await rejects(locks.withLock(path.join(ctx.root, 'web'), 'ex', () => { ran = true; }), 'ENOTFOUND');
  assert.match(err.message, 'container "web" does not exist');
  fs.mkdirSync(path.join(ctx.root, 'db'));
  await rejects(locks.withLock(path.join(ctx.root, 'db'), 'sh', () => { ran = true; }), 'ENOTFOUND');
  assert.not.ok(ran);
  assert.not.ok(fs.existsSync(path.join(ctx.root, 'db', 'lock')), 'the lock file is never created');
});

Paths('a symlinked lock file is refused with EUNSAFEPATH; fn not called', async (ctx) => {
  const dir = path.join(ctx.root, 'web');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(ctx.root, 'elsewhere'), '');
  fs.symlinkSync(path.join(ctx.root, 'elsewhere'), path.join(dir, 'lock'));
  let ran = false;
  await rejects(new LockManager().withLock(dir, 'ex', () => { ran = true; }), 'EUNSAFEPATH');
  assert.not.ok(ran);
});

Paths('a symlinked container directory is refused; a directory as lock file too', async (ctx) => {
  const real = makeContainer(ctx.root, 'real');
  fs.symlinkSync(real, path.join(ctx.root, 'web'));
  let ran = false;
  const locks = new LockManager();
  await rejects(locks.withLock(path.join(ctx.root, 'web'), 'ex', () => { ran = true; }), 'EUNSAFEPATH');
  fs.mkdirSync(path.join(ctx.root, 'odd', 'lock'), { recursive: true });
  await rejects(locks.withLock(path.join(ctx.root, 'odd'), 'ex', () => { ran = true; }), 'EUNSAFEPATH');
  assert.not.ok(ran);
});

Paths('withContainerLock derives the path from root and id, and validates the id', async (ctx) => {
  makeContainer(ctx.root, 'web');
  const locks = new LockManager();
  const ino = await withContainerLock(locks, ctx.root, 'web', 'sh', (held) => held.ino);
  assert.is(ino, fs.statSync(path.join(ctx.root, 'web', 'lock')).ino);
  try {
    await withContainerLock(locks, ctx.root, '../web', 'ex', () => {});
    assert.unreachable();
  } catch (err) {
    assert.is(err.code, 'EINVALIDID');
  }
});

Paths('bad arguments are TypeErrors', async (ctx) => {
  const dir = makeContainer(ctx.root, 'web');
  assert.throws(() => new LockManager({ timeoutMs: -1 }), (e) => e instanceof TypeError && /timeoutMs must be a number/.test(e.message));
  assert.throws(() => new LockManager({ maxPoolWaiters: 1.5 }), (e) => e instanceof TypeError && /maxPoolWaiters must be an integer/.test(e.message));
  const locks = new LockManager();
  for (const call of [
    () => locks.withLock(dir, 'rw', () => {}),
    () => locks.withLock(dir, 'ex'),
    () => locks.withLock(dir, 'ex', () => {}, { timeoutMs: NaN }),
  ]) {
    try {
      await call();
      assert.unreachable();
    } catch (err) {
      assert.instance(err, TypeError);
    }
  }
});

Paths.run();

// ---

const Release = suite('withLock: release and close');

Release.before(async (ctx) => {
  ctx.root = tmpRoot();
  ctx.holder = await forkHolder();
});
Release.after(async (ctx) => {
  await ctx.holder.kill();
  rmRoot(ctx.root);
});

Release('the lock is released when fn throws (another process can take it at once)', async (ctx) => {
  const dir = makeContainer(ctx.root, 'web');
  const locks = new LockManager();
  const boom = new Error('boom');
  try {
    await locks.withLock(dir, 'ex', async () => { throw boom; });
    assert.unreachable();
  } catch (err) {
    assert.is(err, boom);
  }
  const file = path.join(dir, 'lock');
  const r = await ctx.holder.call('lock', { file, mode: 'exnb' });
  assert.ok(r.locked, 'child got the lock right after fn threw');
  await ctx.holder.call('unlock', { file });
});

Release('withLockThen: then runs once the flock is released, before the next queued call of the process', async (ctx) => {
  const dir = makeContainer(ctx.root, 'then');
  const file = path.join(dir, 'lock');
  const locks = new LockManager();
  const order = [];
  const first = locks.withLockThen(dir, 'ex', () => { order.push('fn1'); return 7; }, async (v) => {
    const r = await ctx.holder.call('lock', { file, mode: 'exnb' });
    order.push(`then1 ${v} ${r.locked ? 'released' : 'still held'}`);
    await ctx.holder.call('unlock', { file });
    return v * 2;
  });
  const second = locks.withLock(dir, 'ex', () => { order.push('fn2'); });
  assert.is(await first, 14);
  await second;
  assert.equal(order, ['fn1', 'then1 7 released', 'fn2']);
  await locks.close();
});

Release('close waits for queued work, then withLock rejects', async (ctx) => {
  const dir = makeContainer(ctx.root, 'db');
  const locks = new LockManager();
  let done = 0;
  const work = [1, 2, 3].map(() => locks.withLock(dir, 'ex', async () => {
    await new Promise((r) => setTimeout(r, 1));
    done++;
  }));
  await locks.close();
  assert.is(done, 3);
  await Promise.all(work);
  try {
    await locks.withLock(dir, 'ex', () => {});
    assert.unreachable();
  } catch (err) {
    assert.match(err.message, 'closed');
  }
});

Release.run();

// ---

const SameProcess = suite('withLock: same process');

SameProcess.before.each((ctx) => {
  ctx.root = tmpRoot();
  ctx.dir = makeContainer(ctx.root, 'web');
  ctx.counter = path.join(ctx.dir, 'counter');
  fs.writeFileSync(ctx.counter, '0');
});
SameProcess.after.each((ctx) => rmRoot(ctx.root));

for (const sync of [false, true]) {
  SameProcess(`200 concurrent read-modify-writes with an await inside end at exactly 200 (sync: ${sync})`, async (ctx) => {
    const locks = new LockManager({ sync, timeoutMs: 10_000 });
    let inside = 0;
    await Promise.all(Array.from({ length: 200 }, () => locks.withLock(ctx.dir, 'ex', async () => {
      assert.is(++inside, 1, 'one holder at a time');
      const n = Number(await fs.promises.readFile(ctx.counter, 'utf8'));
      await fs.promises.writeFile(ctx.counter, String(n + 1));
      inside--;
    })));
    assert.is(fs.readFileSync(ctx.counter, 'utf8'), '200');
  });
}

SameProcess('shared mode also queues in-process (documented: one holder per container per manager)', async (ctx) => {
  const locks = new LockManager();
  let inside = 0;
  let max = 0;
  await Promise.all(Array.from({ length: 20 }, () => locks.withLock(ctx.dir, 'sh', async () => {
    max = Math.max(max, ++inside);
    await new Promise((r) => setImmediate(r));
    inside--;
  })));
  assert.is(max, 1);
});

SameProcess('a call that times out in the in-process queue says so and does not break the queue', async (ctx) => {
  const locks = new LockManager();
  let open;
  const gate = new Promise((r) => { open = r; });
  const first = locks.withLock(ctx.dir, 'ex', () => gate);
  const t0 = performance.now();
  const err = await rejects(locks.withLock(ctx.dir, 'ex', () => {}, { timeoutMs: 200 }), 'ELOCKTIMEOUT');
  const waited = performance.now() - t0;
  assert.match(err.message, 'this process');
  assert.ok(waited >= 195 && waited < timeoutBound(200), `waited ${waited} ms`);
  assert.ok(locks.stats().maxWaitMs <= waited, JSON.stringify(locks.stats()));
  await rejects(locks.withLock(ctx.dir, 'ex', () => {}, { timeoutMs: 0 }), 'ELOCKTIMEOUT');
  const third = locks.withLock(ctx.dir, 'ex', () => 'third');
  open();
  await first;
  assert.is(await third, 'third');
});

for (const sync of [false, true]) {
  SameProcess(`two managers on one container: the second waits on the kernel lock and proceeds (second sync: ${sync})`, async (ctx) => {
    const m1 = new LockManager();
    const m2 = new LockManager({ sync, timeoutMs: Infinity, maxPoolWaiters: 1 });
    let open;
    const gate = new Promise((r) => { open = r; });
    let released = false;
    const first = m1.withLock(ctx.dir, 'ex', async () => {
      await gate;
      released = true;
    });
    await new Promise((r) => setImmediate(r)); // m1 holds the flock now
    // Queues are per manager, so m2 is excluded only by flock: try-once fails.
    await rejects(m2.withLock(ctx.dir, 'ex', () => {}, { timeoutMs: 0 }), 'ELOCKTIMEOUT');
    const inPoolBefore = poolWaitersInFlight();
    const second = m2.withLock(ctx.dir, 'ex', () => {
      assert.ok(released, 'm2 ran only after m1 released');
      return 'second';
    });
    // A sync manager must not block the thread here: only this loop can release m1's lock.
    await waitFor(() => poolWaitersInFlight() > inPoolBefore, 5000, 'm2 to wait in the pool');
    open();
    await first;
    assert.is(await second, 'second');
  });
}

SameProcess.run();
