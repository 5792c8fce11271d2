// A store keeps its lock and log descriptors open between transitions and skips the path lookups
// while the lock file's generation is unchanged. These tests change the container under it from
// other processes and stores, and check that its next transition still lands in the right file.
import fs from 'node:fs';
import path from 'node:path';
import { fork } from 'node:child_process';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore } from '../helpers/store.js';
import { fixture, runTogether } from '../helpers/procs.js';

const Kept = suite('kept descriptors');
Kept.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore());
  await ctx.store.create('web');
  // Warm: the store now holds an idle lock descriptor and an open log for "web".
  await ctx.store.annotate('web', { warm: '1' });
});
Kept.after.each(dropStore);

const lockSize = (root, id) => fs.statSync(path.join(root, id, 'lock')).size;
const oneOp = async (root, op, id, ...args) => (await runTogether('store-op.js', [[root, op, id, ...args.map((a) => JSON.stringify(a))]]))[0];

// The record types of the one moved copy of a deleted container.
async function movedTypes(root, id) {
  const [moved] = fs.readdirSync(path.join(root, '.history', id));
  const { openLog, readRecords } = await import('../../dist/events/log.js');
  const log = openLog(path.join(root, '.history', id, moved, 'events.log'), false);
  const types = [];
  readRecords(log, 64, log.size, 1, (rec) => { types.push(rec.type); });
  fs.closeSync(log.fd);
  return types;
}

Kept('compaction and delete grow the lock file by one byte each', async ({ store, root }) => {
  assert.is(lockSize(root, 'web'), 0);
  await store.compact('web');
  assert.is(lockSize(root, 'web'), 1);
  await store.compact('web');
  assert.is(lockSize(root, 'web'), 2);
  await store.delete('web');
  const [moved] = fs.readdirSync(path.join(root, '.history', 'web'));
  assert.is(fs.statSync(path.join(root, '.history', 'web', moved, 'lock')).size, 3);
});

Kept('deleted and re-created by another process: the next transition acts on the new container', async ({ store, root }) => {
  assert.ok((await oneOp(root, 'delete', 'web')).ok);
  assert.ok((await oneOp(root, 'create', 'web', { bundle: '/new' })).ok);
  const s = await store.annotate('web', { after: 'recreate' });
  assert.is(s.bundle, '/new');
  assert.is(s.seq, 2);
  assert.equal(await movedTypes(root, 'web'), ['created', 'annotated', 'deleted'], 'nothing written after the deleted record');
});

Kept('deleted by another process: the next transition is ENOTFOUND and writes nothing', async ({ store, root }) => {
  assert.ok((await oneOp(root, 'delete', 'web')).ok);
  try {
    await store.pause('web');
    assert.unreachable();
  } catch (e) {
    assert.is(e.code, 'ENOTFOUND');
  }
  assert.not.ok(fs.existsSync(path.join(root, 'web')));
  assert.equal(await movedTypes(root, 'web'), ['created', 'annotated', 'deleted']);
});

Kept('compacted by another process: the next transition goes to the new active segment', async ({ store, root }) => {
  assert.ok((await oneOp(root, 'compact', 'web')).ok);
  const s = await store.annotate('web', { after: 'compact' });
  assert.is(s.seq, 3);
  const other = await openStore({ root, durability: 'none' });
  assert.equal((await other.history('web')).map((e) => e.seq), [1, 2, 3]);
  assert.ok((await other.verify('web')).ok);
  await other.close();
  // The sealed segment holds the records before the compaction, and nothing appended after it.
  const segs = fs.readdirSync(path.join(root, 'web', 'segments'));
  assert.is(segs.length, 1);
  assert.is(fs.statSync(path.join(root, 'web', 'events.log')).size > 64, true, 'the new record is in the active file');
});

Kept('a lock file truncated back to an old length is not taken for an unchanged generation', async ({ store, root }) => {
  assert.ok((await oneOp(root, 'compact', 'web')).ok);
  assert.is((await store.annotate('web', { n: '3' })).seq, 3); // this store now knows generation 1
  await new Promise((r) => setTimeout(r, 20)); // past the file system's coarse clock tick
  fs.truncateSync(path.join(root, 'web', 'lock'), 0); // reset by hand to the "empty file" it was
  assert.ok((await oneOp(root, 'compact', 'web')).ok); // generation 1 again, events.log replaced
  assert.is(lockSize(root, 'web'), 1);
  assert.is((await store.annotate('web', { n: '4' })).seq, 4);
  const other = await openStore({ root, durability: 'none' });
  assert.equal((await other.state('web')).annotations.n, '4', 'the write landed in the active segment');
  assert.equal((await other.history('web')).map((e) => e.seq), [1, 2, 3, 4]);
  assert.ok((await other.verify('web')).ok);
  await other.close();
});

Kept('removed by hand (rm -r): the kept descriptor is not used, the call is ENOTFOUND', async ({ store, root }) => {
  fs.rmSync(path.join(root, 'web'), { recursive: true });
  try {
    await store.annotate('web', { a: '1' });
    assert.unreachable();
  } catch (e) {
    assert.is(e.code, 'ENOTFOUND');
  }
  assert.not.ok(fs.existsSync(path.join(root, 'web')));
});

Kept('waiting on the kept descriptor while the container is deleted and re-created: acts on the new one', async ({ store, root }) => {
  const holder = fork(fixture('hold-lock.js'), [path.join(root, 'web', 'lock')]);
  await new Promise((r) => holder.once('message', r));
  const pending = store.annotate('web', { by: 'waiter' });
  await new Promise((r) => setTimeout(r, 150)); // the store now waits on its kept descriptor
  // What a delete does under the lock: grow the generation, then move the directory away.
  const { bumpLockGeneration } = await import('../../dist/lock/lock-file.js');
  bumpLockGeneration(path.join(root, 'web', 'lock'));
  const dead = path.join(root, '.history', 'web', 'moved');
  fs.mkdirSync(path.dirname(dead), { recursive: true });
  fs.renameSync(path.join(root, 'web'), dead);
  const other = await openStore({ root, durability: 'none' });
  await other.create('web', { bundle: '/new' });
  await other.close();
  holder.send({});
  const s = await pending;
  assert.is(s.bundle, '/new');
  assert.is(s.seq, 2);
  assert.equal(await movedTypes(root, 'web'), ['created', 'annotated'], 'the waiter wrote nothing into the moved directory');
});

Kept.run();
