// store.lockStats(): how many container locks a store took and how long it waited for them,
// with the lock held by another process for a known time.
import path from 'node:path';
import { fork } from 'node:child_process';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { freshStore, dropStore } from '../helpers/store.js';
import { fixture } from '../helpers/procs.js';
import { timeoutBound } from '../fixtures/lock-harness.js';

const Stats = suite('lock stats');
Stats.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore());
  await ctx.store.create('web');
});
Stats.after.each(dropStore);

Stats('counts each transition\'s lock, not reads; a wait behind another process shows', async ({ store, root }) => {
  assert.equal(store.lockStats(), { acquired: 0, timedOut: 0, waitedMs: 0, maxWaitMs: 0 }, 'create takes no container lock');
  await store.annotate('web', { a: '1' });
  await store.state('web');
  await store.history('web');
  const quiet = store.lockStats();
  assert.is(quiet.acquired, 1);
  assert.ok(quiet.waitedMs >= 0 && quiet.waitedMs < 1000, JSON.stringify(quiet));

  const holder = fork(fixture('hold-lock.js'), [path.join(root, 'web', 'lock')]);
  await new Promise((r) => holder.once('message', r));
  const t0 = performance.now();
  const pending = store.annotate('web', { b: '2' });
  await new Promise((r) => setTimeout(r, 200));
  holder.send({});
  await pending;
  const waited = performance.now() - t0;
  const after = store.lockStats();
  assert.is(after.acquired, 2);
  assert.ok(after.maxWaitMs >= 150, `waited ${after.maxWaitMs} ms behind a 200 ms hold`);
  assert.ok(after.maxWaitMs <= waited, `maxWaitMs ${after.maxWaitMs} in a call of ${waited} ms`);
  assert.ok(after.waitedMs >= after.maxWaitMs);
  // A copy: changing it changes nothing.
  after.acquired = 99;
  assert.is(store.lockStats().acquired, 2);
});

Stats('a refused transition took the lock too, and is counted', async ({ store }) => {
  try { await store.resume('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EBADTRANSITION'); }
  assert.is(store.lockStats().acquired, 1);
});

Stats('waits that time out are counted, with the time they waited', async ({ root }) => {
  const { openStore } = await import('../../dist/index.js');
  const store = await openStore({ root, durability: 'none', lockTimeoutMs: 100 });
  const holder = fork(fixture('hold-lock.js'), [path.join(root, 'web', 'lock')]);
  await new Promise((r) => holder.once('message', r));
  try {
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      try { await store.annotate('web', { a: String(i) }); assert.unreachable(); } catch (e) { assert.is(e.code, 'ELOCKTIMEOUT'); }
      const waited = performance.now() - t0;
      assert.ok(waited < timeoutBound(100), `call ${i} took ${waited} ms with a 100 ms timeout`);
    }
    const s = store.lockStats();
    assert.equal([s.acquired, s.timedOut], [0, 2]);
    assert.ok(s.maxWaitMs >= 90 && s.waitedMs >= 2 * 90, JSON.stringify(s));
    assert.ok(s.maxWaitMs < timeoutBound(100) && s.waitedMs < 2 * timeoutBound(100), JSON.stringify(s));
  } finally {
    holder.send({});
    await new Promise((r) => holder.once('exit', r));
  }
  await store.annotate('web', { a: 'late' });
  assert.equal([store.lockStats().acquired, store.lockStats().timedOut], [1, 2]);
  assert.is((await store.history('web')).length, 2, 'the timed-out calls appended nothing');
  await store.close();
});

Stats.run();
