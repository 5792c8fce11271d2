import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { LockManager } from '../../dist/lock/container-lock.js';
import { defaultMaxPoolWaiters, poolSize, poolWaitersInFlight } from '../../dist/lock/pool-gate.js';
import { forkHolder, makeContainer, waitFor } from '../fixtures/lock-harness.js';
import { rmRoot, tmpRoot } from '../helpers/tmp.js';

const Gate = suite('pool gate');

Gate('the default cap is half of UV_THREADPOOL_SIZE, rounded down', () => {
  assert.is(poolSize({}), 4);
  assert.is(defaultMaxPoolWaiters({}), 2);
  assert.is(defaultMaxPoolWaiters({ UV_THREADPOOL_SIZE: '1' }), 0, 'one blocking wait would take the only thread');
  assert.is(defaultMaxPoolWaiters({ UV_THREADPOOL_SIZE: '16' }), 8);
  assert.is(poolSize({ UV_THREADPOOL_SIZE: 'x' }), 1, 'libuv: atoi(junk) = 0 means 1 thread');
  assert.is(poolSize({ UV_THREADPOOL_SIZE: '' }), 1);
  assert.is(poolSize({ UV_THREADPOOL_SIZE: '5000' }), 1024);
});

Gate.run();

// ---

const Waiting = suite('async waiting');

Waiting.before(async (ctx) => {
  ctx.root = tmpRoot();
  ctx.dirs = Array.from({ length: 10 }, (_, i) => makeContainer(ctx.root, `c${i}`));
  ctx.files = ctx.dirs.map((d) => path.join(d, 'lock'));
  ctx.holder = await forkHolder();
});
Waiting.after(async (ctx) => {
  await ctx.holder.kill();
  await waitFor(() => poolWaitersInFlight() === 0, 5000, 'pool waits to finish');
  rmRoot(ctx.root);
});

Waiting('waiting on a held lock never stalls the event loop', async (ctx) => {
  await ctx.holder.call('lock', { file: ctx.files[0] });
  const locks = new LockManager({ timeoutMs: 10_000 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    let ticksWhenReleased = -1;
    const waiting = locks.withLock(ctx.dirs[0], 'ex', () => ticksWhenReleased >= 0);
    // The interval keeps firing while the lock is still held by the child.
    await waitFor(() => ticks >= 20, 5000, '20 timer ticks during the wait');
    ticksWhenReleased = ticks;
    await ctx.holder.call('unlock', { file: ctx.files[0] });
    assert.ok(await waiting, 'fn ran after the child released');
    assert.ok(ticksWhenReleased >= 20);
  } finally {
    clearInterval(timer);
  }
});

Waiting('waits on 10 held containers never starve the libuv pool', async (ctx) => {
  await ctx.holder.call('lockAll', { files: ctx.files });
  const locks = new LockManager({ timeoutMs: 10_000 });
  let acquired = 0;
  const waits = ctx.dirs.map((dir) => locks.withLock(dir, 'ex', () => { acquired++; }));
  const cap = locks.maxPoolWaiters;
  await waitFor(() => poolWaitersInFlight() === cap, 5000, `${cap} pool waiters`);
  // Pool-backed fs work completes while all 10 waits are pending; without the cap it would
  // queue behind threads asleep in flock until the child released.
  const self = fileURLToPath(import.meta.url);
  const reads = Promise.all(Array.from({ length: 8 }, () => fs.promises.readFile(self)));
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('fs.promises.readFile starved by lock waits')), 5000);
  });
  try {
    await Promise.race([reads, deadline]);
  } finally {
    clearTimeout(timer);
  }
  assert.is(acquired, 0, 'no wait finished while the child held every lock');
  assert.is(poolWaitersInFlight(), cap, 'never more than the cap in the pool');
  await ctx.holder.call('unlockAll');
  await Promise.all(waits);
  assert.is(acquired, 10);
});

Waiting.run();
