import fs from 'node:fs';
import path from 'node:path';
import { fork } from 'node:child_process';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { freshStore, dropStore } from '../helpers/store.js';
import { fixture, runTogether } from '../helpers/procs.js';
import { flockWaiters, waitFor } from '../fixtures/lock-harness.js';
import { openStore } from '../../dist/index.js';

const Races = suite('create and delete races');
Races.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Races.after.each(dropStore);

Races('several processes create one id at once: exactly one wins', async ({ store, root }) => {
  for (let round = 0; round < 5; round++) {
    const id = `race${round}`;
    const results = await runTogether('store-op.js', Array.from({ length: 6 }, (_, i) => [root, 'create', id, JSON.stringify({ bundle: `/b${i}` })]));
    const winners = results.filter((r) => r.ok);
    assert.is(winners.length, 1, `round ${round}`);
    for (const r of results.filter((x) => !x.ok)) assert.is(r.code, 'EEXIST');
    const s = await store.state(id);
    assert.is(s.bundle, winners[0].state.bundle);
    assert.is((await store.history(id)).length, 1);
  }
  assert.equal(fs.readdirSync(path.join(root, '.tmp')), [], 'losers leave no temp directories');
});

// Hold a container's lock in a child; start `op` in another child and wait until it is blocked on
// the lock (a time would not do: a loaded machine can take longer to get there); then let the holder act.
async function waitOnHeldLock(root, id, op, action) {
  const lock = path.join(root, id, 'lock');
  const holder = fork(fixture('hold-lock.js'), [lock]);
  await new Promise((r) => holder.once('message', r));
  const waiter = runTogether('store-op.js', [[root, op, id]]);
  await waitFor(() => flockWaiters(lock) === 1, 10_000, 'the waiter to block on the lock');
  holder.send(action);
  await new Promise((r) => holder.once('exit', r));
  return (await waiter)[0];
}

Races('a waiter on a container deleted meanwhile does not write into the dead directory', async ({ store, root }) => {
  await store.create('web');
  const dead = path.join(root, '.history', 'web', 'moved');
  fs.mkdirSync(path.dirname(dead), { recursive: true });
  const before = fs.readFileSync(path.join(root, 'web', 'events.log'));
  const r = await waitOnHeldLock(root, 'web', 'pause', { rename: [path.join(root, 'web'), dead] });
  assert.not.ok(r.ok);
  assert.is(r.code, 'ENOTFOUND');
  assert.match(r.message, 'deleted while waiting for its lock');
  assert.ok(fs.readFileSync(path.join(dead, 'events.log')).equals(before), 'nothing appended to the moved log');
});

Races('a waiter on a container deleted and re-created meanwhile acts on the new one', async ({ store, root }) => {
  await store.create('web');
  await store.start('web');
  const dead = path.join(root, '.history', 'web', 'moved');
  fs.mkdirSync(path.dirname(dead), { recursive: true });
  const lock = path.join(root, 'web', 'lock');
  const holder = fork(fixture('hold-lock.js'), [lock]);
  await new Promise((r) => holder.once('message', r));
  const waiter = runTogether('store-op.js', [[root, 'annotate', 'web', JSON.stringify({ by: 'waiter' })]]);
  await waitFor(() => flockWaiters(lock) === 1, 10_000, 'the waiter to block on the lock');
  fs.renameSync(path.join(root, 'web'), dead);
  await store.create('web', { bundle: '/new' });
  holder.send({});
  const [r] = await waiter;
  assert.ok(r.ok, r.message);
  assert.is(r.state.bundle, '/new');
  assert.is(r.state.seq, 2);
  assert.is(fs.readFileSync(path.join(dead, 'events.log')).length > 0, true);
  assert.is((await store.history('web')).length, 2);
});

Races('delete while others write: history moves intact and the id is reusable', async ({ store, root }) => {
  await store.create('web');
  // More writes than the test lasts: each writer stops at its first ENOTFOUND and reports its acks.
  const writers = runTogether('store-worker.js', Array.from({ length: 3 }, (_, w) => [root, 'web', '100000', 'annotate', 'none', `w${w}`, 'ENOTFOUND']));
  writers.catch(() => {}); // awaited below; a worker failing meanwhile must not go unhandled
  // Delete only once every writer is appending.
  const writing = async () => {
    const tags = new Set((await store.history('web')).flatMap((e) => Object.keys(e.data.annotations ?? {})));
    return tags.size === 3;
  };
  await waitFor(writing, 20_000, 'all three writers to append');
  await store.delete('web', { force: true });
  const reports = await writers;
  for (const r of reports) assert.is(r.ended, 'ENOTFOUND', `${r.tag} was still writing when the delete landed`);
  const acked = reports.flatMap((r) => r.acked.map((a) => ({ ...a, tag: r.tag })));
  assert.ok(acked.length >= 3, `${acked.length} writes acknowledged`);
  // The moved history: every acknowledged write, nothing else but created and deleted, no gap.
  const history = await store.history('web', { deleted: 'latest' });
  assert.equal(history.map((e) => e.seq), Array.from({ length: history.length }, (_, i) => i + 1), 'seq contiguous');
  assert.is(history[0].type, 'created');
  assert.is(history.at(-1).type, 'deleted');
  const bySeq = new Map(history.map((e) => [e.seq, e]));
  for (const a of acked) {
    assert.equal(bySeq.get(a.seq)?.data.annotations, { [a.tag]: String(a.i) }, `ack ${a.tag}/${a.i} at seq ${a.seq}`);
  }
  assert.is(history.length, acked.length + 2, 'only created and deleted are not acks');
  assert.is((await store.create('web')).seq, 1);
});

Races('a meta.json refresh that lands after a delete and a create leaves the new container alone', async ({ root }) => {
  const writer = await openStore({ root, durability: 'none', projectionLag: 4 });
  const other = await openStore({ root, durability: 'none' });
  const open = fs.promises.open;
  let raced = false;
  // The refresh opens its temp file after the lock is released: let a delete and a create run first.
  fs.promises.open = async (file, ...rest) => {
    if (!raced && path.basename(String(file)).startsWith('meta.json.')) {
      raced = true;
      await other.delete('web');
      await other.create('web', { annotations: { incarnation: '2' } });
    }
    return open(file, ...rest);
  };
  try {
    await writer.create('web');
    for (let i = 0; i < 3; i++) await writer.annotate('web', { i: String(i) }); // seq 4: a refresh
    await writer.close();
    assert.ok(raced, 'the refresh ran');
  } finally {
    fs.promises.open = open;
  }
  const meta = JSON.parse(fs.readFileSync(path.join(root, 'web', 'meta.json'), 'utf8'));
  assert.equal([meta.seq, meta.annotations], [1, { incarnation: '2' }], "the new container's own projection");
  assert.equal(fs.readdirSync(path.join(root, 'web')).filter((n) => n.endsWith('.tmp')), [], 'no temp file left');
  assert.ok((await other.verify('web')).ok);
  await other.close();
});

Races.run();

// ---

const Leftovers = suite('leftovers of a crashed create');
Leftovers.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Leftovers.after.each(dropStore);

Leftovers('an old half-built container in .tmp is swept by the next create, a fresh one is left alone', async ({ store, root }) => {
  await store.create('first');
  const old = path.join(root, '.tmp', 'web.abandoned');
  const fresh = path.join(root, '.tmp', 'web.inflight');
  fs.mkdirSync(old);
  fs.writeFileSync(path.join(old, 'events.log'), 'half');
  fs.mkdirSync(fresh);
  const past = new Date(Date.now() - 3600_000);
  fs.utimesSync(old, past, past);
  await store.create('second');
  assert.not.ok(fs.existsSync(old));
  assert.ok(fs.existsSync(fresh));
  try { await store.state('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
});

Leftovers.run();
