// A deleted container's history stays readable: listed by deleted(id), read by history() and
// replay() with `deleted: ref | 'latest'`, also after the id was reused and deleted again.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { freshStore, dropStore } from '../helpers/store.js';

const Deleted = suite('deleted containers');
Deleted.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Deleted.after.each(dropStore);

// Create `id`, run it through a few transitions tagged `gen`, stop and delete it.
async function lifetime(store, id, gen) {
  await store.create(id, { annotations: { gen } });
  await store.start(id);
  await store.annotate(id, { step: gen });
  await store.kill(id, 'TERM'); // no pid: recorded as exited at once
  await store.delete(id);
}

Deleted('none kept: an empty list, and reads are ENOTFOUND', async ({ store }) => {
  assert.equal(await store.deleted('web'), []);
  await store.create('web');
  assert.equal(await store.deleted('web'), []);
  try { await store.history('web', { deleted: 'latest' }); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
});

Deleted('two lifetimes of one id are listed oldest first and read apart', async ({ store }) => {
  await lifetime(store, 'web', 'one');
  await new Promise((r) => setTimeout(r, 5)); // distinct creation times
  await lifetime(store, 'web', 'two');
  await store.create('web'); // the id in use again
  const kept = await store.deleted('web');
  assert.is(kept.length, 2);
  for (const d of kept) {
    assert.is(d.id, 'web');
    assert.is(d.seq, 6); // created, started, annotated, killed, exited, deleted
    assert.ok(d.created <= d.deleted, JSON.stringify(d)); // the same ms on a fast machine
    assert.is(d.error, undefined);
  }
  assert.ok(kept[0].created < kept[1].created);
  const [first, second] = await Promise.all(kept.map((d) => store.history('web', { deleted: d.ref })));
  assert.equal(first.map((e) => e.type), ['created', 'started', 'annotated', 'killed', 'exited', 'deleted']);
  assert.is(first[0].data.annotations.gen, 'one');
  assert.is(second[0].data.annotations.gen, 'two');
  // latest = the one deleted last; ranges and replay work as on a live container.
  assert.equal((await store.history('web', { deleted: 'latest', fromSeq: 3, toSeq: 3 })).map((e) => e.data.annotations.step), ['two']);
  const then = await store.replay('web', { deleted: kept[0].ref, atSeq: 3 });
  assert.equal([then.status, then.annotations.step, then.annotations.gen], ['running', 'one', 'one']);
  const end = await store.replay('web', { deleted: 'latest', atSeq: 6 });
  assert.is(end.status, 'stopped');
  assert.ok(end.deleted);
  // The live container is untouched by all this.
  assert.equal((await store.history('web')).map((e) => e.type), ['created']);
});

Deleted('bad refs are EINVALID, unknown ones ENOTFOUND, and nothing is followed through a symlink', async ({ store, root }) => {
  await lifetime(store, 'web', 'one');
  for (const ref of ['../web', '', '.', 'a/b']) {
    try { await store.history('web', { deleted: ref }); assert.unreachable(); } catch (e) { assert.is(e.code, 'EINVALID', ref); }
  }
  try { await store.replay('web', { deleted: 'nope', atSeq: 1 }); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
  try { await store.deleted('../x'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EINVALIDID'); }
  // <root>/.history/db planted as a link to web's kept instances.
  fs.symlinkSync(path.join(root, '.history', 'web'), path.join(root, '.history', 'db'));
  try { await store.deleted('db'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EUNSAFEPATH'); }
});

Deleted('a kept instance that cannot be read is listed with its error', async ({ store, root }) => {
  await lifetime(store, 'web', 'one');
  const [d] = await store.deleted('web');
  fs.writeFileSync(path.join(root, '.history', 'web', d.ref, 'events.log'), 'not a log');
  const [broken] = await store.deleted('web');
  assert.is(broken.ref, d.ref);
  assert.ok(broken.error);
  assert.match(broken.error.code, /^E/);
});

Deleted.run();
