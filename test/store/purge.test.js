// purge() and purgeAll() remove the kept histories of deleted containers, never a live container,
// and stay safe against readers of those histories and deletes of the same id in other processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { freshStore, dropStore } from '../helpers/store.js';
import { runTogether } from '../helpers/procs.js';

const Purge = suite('purge');
Purge.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Purge.after.each(dropStore);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Create `id`, give it a few events tagged `gen`, stop and delete it; the next one is deleted later.
async function lifetime(store, id, gen) {
  await store.create(id, { annotations: { gen } });
  await store.annotate(id, { step: gen });
  await store.kill(id, 'TERM'); // no pid: recorded as exited at once
  await store.delete(id);
  await sleep(3); // distinct deletion times
}

async function fails(promise, code, pattern) {
  try {
    await promise;
  } catch (err) {
    assert.is(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.unreachable(`expected ${code}`);
}

// What is left under <root>/.history.
function historyEntries(root, id) {
  const dir = path.join(root, '.history', ...(id ? [id] : []));
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : null;
}

Purge('one ref: only that history goes, its files with it; the others stay readable', async ({ store, root }) => {
  for (const gen of ['one', 'two', 'three']) await lifetime(store, 'web', gen);
  const kept = await store.deleted('web');
  const removed = await store.purge('web', { ref: kept[1].ref });
  assert.equal(removed, [kept[1]]);
  assert.equal((await store.deleted('web')).map((d) => d.ref), [kept[0].ref, kept[2].ref]);
  assert.equal(historyEntries(root, 'web'), [kept[0].ref, kept[2].ref]);
  assert.equal(historyEntries(root).filter((n) => n.startsWith('.')), []); // no temp name left
  await fails(store.history('web', { deleted: kept[1].ref }), 'ENOTFOUND', new RegExp(kept[1].ref));
  assert.is((await store.history('web', { deleted: kept[2].ref }))[0].data.annotations.gen, 'three');
  // Gone now: ENOTFOUND, as for a ref that never was.
  await fails(store.purge('web', { ref: kept[1].ref }), 'ENOTFOUND', /no deleted container "web" with ref/);
  await fails(store.purge('web', { ref: '2024-05-01T12-00-00.000Z-0123456789abcdef' }), 'ENOTFOUND');
});

Purge('all of an id: every history goes, then .history/<id> itself; other ids and live containers stay', async ({ store, root }) => {
  await lifetime(store, 'web', 'one');
  await lifetime(store, 'web', 'two');
  await lifetime(store, 'db', 'one');
  await store.create('web', { annotations: { gen: 'live' } });
  await store.start('web');
  const kept = await store.deleted('web');
  assert.equal(await store.purge('web'), kept);
  assert.equal(await store.deleted('web'), []);
  assert.equal(historyEntries(root), ['db']);
  assert.is((await store.deleted('db')).length, 1);
  // The live container of the id, untouched.
  const live = await store.state('web');
  assert.equal([live.status, live.annotations.gen], ['running', 'live']);
  assert.equal((await store.history('web')).map((e) => e.type), ['created', 'started']);
  assert.is((await store.verify('web')).ok, true);
  // Nothing left: nothing to do, no error; also for an id never seen.
  assert.equal(await store.purge('web'), []);
  assert.equal(await store.purge('never'), []);
  await fails(store.purge('web', { ref: 'latest' }), 'ENOTFOUND', /no deleted container "web" is kept/);
});

Purge('latest: the one deleted last', async ({ store }) => {
  for (const gen of ['one', 'two']) await lifetime(store, 'web', gen);
  const kept = await store.deleted('web');
  assert.equal(await store.purge('web', { ref: 'latest' }), [kept[1]]);
  assert.equal(await store.deleted('web'), [kept[0]]);
  assert.equal(await store.purge('web', { ref: 'latest' }), [kept[0]]);
});

Purge('before: removes those deleted before it, keeps those deleted at or after it, as a Date, an ISO string or ms', async ({ store }) => {
  for (const gen of ['one', 'two', 'three', 'four']) await lifetime(store, 'web', gen);
  const kept = await store.deleted('web');
  assert.ok(kept.every((d, i) => i === 0 || d.deleted > kept[i - 1].deleted), 'distinct deletion times');
  assert.equal(await store.purge('web', { before: kept[1].deleted }), [kept[0]]); // ISO: kept[1] itself stays
  assert.equal(await store.purge('web', { before: new Date(kept[1].deleted) }), []);
  assert.equal(await store.purge('web', { before: Date.parse(kept[2].deleted) + 1 }), [kept[1], kept[2]]);
  assert.equal(await store.deleted('web'), [kept[3]]);
  // With a ref: that one, if it was deleted before.
  assert.equal(await store.purge('web', { ref: kept[3].ref, before: kept[3].deleted }), []);
  assert.equal(await store.purge('web', { ref: 'latest', before: Date.now() + 1000 }), [kept[3]]);
});

Purge('bad arguments: EINVALIDID, EINVALID for a bad ref or time, EUNSAFEPATH for a symlink; nothing removed', async ({ store, root }) => {
  await lifetime(store, 'web', 'one');
  const kept = await store.deleted('web');
  await fails(store.purge('../web'), 'EINVALIDID');
  await fails(store.purge('.history'), 'EINVALIDID');
  for (const ref of ['../web', '', '.', 'a/b', `..${path.sep}..`]) await fails(store.purge('web', { ref }), 'EINVALID');
  for (const before of ['yesterday', '2024-13-45', '12345', '2026-11-29 12:00', NaN, new Date('nope')]) await fails(store.purge('web', { before }), 'EINVALID', /before is not a time/);
  await fails(store.purgeAll({ before: 'soon' }), 'EINVALID');
  for (const bad of [() => store.purge('web', null), () => store.purge('web', { ref: null }), () => store.purge('web', { ref: 3 }), () => store.purgeAll(null)]) {
    try { await bad(); assert.unreachable(); } catch (e) { assert.ok(e instanceof TypeError, String(e)); }
  }
  // <root>/.history/db planted as a link to web's: never followed, nothing removed through it.
  fs.symlinkSync(path.join(root, '.history', 'web'), path.join(root, '.history', 'db'));
  await fails(store.purge('db'), 'EUNSAFEPATH', /symlink/);
  await fails(store.purgeAll(), 'EUNSAFEPATH', /symlink/);
  assert.equal(await store.deleted('web'), kept);
});

Purge('a history that cannot be read: purged by ref or with all, kept by a purge by age', async ({ store, root }) => {
  await lifetime(store, 'web', 'one');
  const [d] = await store.deleted('web');
  fs.writeFileSync(path.join(root, '.history', 'web', d.ref, 'events.log'), 'not a log');
  assert.equal(await store.purge('web', { before: Date.now() + 1000 }), []);
  const [removed] = await store.purge('web');
  assert.equal([removed.ref, removed.deleted], [d.ref, null]);
  assert.ok(removed.error);
});

Purge('purgeAll: every id, by id then oldest first, with before; stray names are left alone', async ({ store, root }) => {
  assert.equal(await store.purgeAll(), []); // no .history yet
  await lifetime(store, 'web', 'one');
  await lifetime(store, 'db', 'one');
  const cutoff = Date.now();
  await sleep(3);
  await lifetime(store, 'web', 'two');
  await store.create('db');
  const [web1, web2] = await store.deleted('web');
  const [db1] = await store.deleted('db');
  assert.equal(await store.purgeAll({ before: cutoff }), [db1, web1]);
  assert.equal(historyEntries(root), ['web']);
  fs.mkdirSync(path.join(root, '.history', 'a..b')); // not an id: not runstate's
  assert.equal(await store.purgeAll(), [web2]);
  assert.equal(historyEntries(root), ['a..b']);
  assert.is((await store.state('db')).status, 'created');
});

Purge('what a crashed purge left under .history goes with the next purge, once it is 10 minutes old', async ({ store, root }) => {
  await lifetime(store, 'web', 'one');
  await lifetime(store, 'web', 'two');
  const history = path.join(root, '.history');
  fs.mkdirSync(path.join(history, '.purge-1-abc', 'segments'), { recursive: true });
  fs.writeFileSync(path.join(history, '.purge-1-abc', 'events.log'), 'x');
  // Its times are now's (a rename sets the ctime, which cannot be set back): it may be a purge in progress.
  const old = new Date(Date.now() - 3600_000);
  fs.utimesSync(path.join(history, '.purge-1-abc'), old, old);
  await store.purge('web', { ref: 'latest' });
  assert.ok(fs.existsSync(path.join(history, '.purge-1-abc')));
  assert.is((await store.deleted('web')).length, 1); // not taken for a history
  await store.purge('web');
  assert.equal(fs.readdirSync(history), ['.purge-1-abc'], 'too young to be taken for abandoned');
  // Later, a purge of any id sweeps it, one with no history kept included.
  const realNow = Date.now;
  Date.now = () => realNow() + 11 * 60_000;
  try {
    assert.equal(await store.purge('other'), []);
  } finally {
    Date.now = realNow;
  }
  assert.equal(fs.readdirSync(history), []);
});

Purge.run();

// ---

const Readers = suite('purge and its readers');
Readers.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Readers.after.each(dropStore);

// A lifetime long enough to hold sealed segments and snapshots: 10 events, compacted twice.
async function longLifetime(store, id) {
  await store.create(id);
  await store.start(id);
  for (let i = 0; i < 3; i++) await store.annotate(id, { i: String(i) });
  await store.compact(id);
  for (let i = 3; i < 5; i++) await store.annotate(id, { i: String(i) });
  await store.compact(id);
  await store.kill(id, 'TERM');
  await store.delete(id);
}

// Run `read` with a purge of the history it reads made at its k-th file system call on that history
// (open, readdir, lstat, stat), for k = 1, 2, … until a read makes fewer calls than k: the purge then
// lands at every step of the read. Each read must either return what `check` accepts or fail with
// ENOTFOUND naming the ref (with `latest`, one resolved after the purge names none); returns how many
// did fail.
async function acrossPurge(store, root, read, check, latest = false) {
  let notFound = 0;
  for (let k = 1; ; k++) {
    await longLifetime(store, 'web');
    const [d] = await store.deleted('web');
    const dir = path.join(root, '.history', 'web', d.ref);
    let calls = 0;
    let purged = null;
    const originals = {};
    for (const name of ['openSync', 'readdirSync', 'lstatSync', 'statSync']) {
      originals[name] = fs[name];
      fs[name] = function hooked(p, ...rest) {
        if (purged === null && typeof p === 'string' && p.startsWith(dir) && ++calls === k) {
          purged = store.purge('web', { ref: d.ref }); // its work is done before it returns
          assert.is(originals.lstatSync(dir, { throwIfNoEntry: false }), undefined);
        }
        return originals[name].call(this, p, ...rest);
      };
    }
    let result;
    let error;
    try {
      result = await read(d.ref);
    } catch (err) {
      error = err;
    } finally {
      Object.assign(fs, originals);
    }
    if (error !== undefined) {
      assert.is(error.code, 'ENOTFOUND', `${error.code}: ${error.message} (purged at call ${k})`);
      // `latest` resolved after the purge finds none: nothing to name.
      assert.ok(error.message.includes(`"web"`) && (error.message.includes(d.ref) || (latest && /is kept$/.test(error.message))), error.message);
      notFound++;
    } else {
      check(result);
    }
    if (purged === null) {
      await store.purge('web');
      assert.ok(k > 1, 'the read touched the history');
      return notFound;
    }
    assert.equal(await purged, [d]);
  }
}

const TYPES = ['created', 'started', 'annotated', 'annotated', 'annotated', 'annotated', 'annotated', 'killed', 'exited', 'deleted'];

Readers('history of a history purged while it is read: all of it, or ENOTFOUND naming the ref', async ({ store, root }) => {
  const failed = await acrossPurge(store, root, (ref) => store.history('web', { deleted: ref }), (events) => {
    assert.equal(events.map((e) => e.type), TYPES);
  });
  assert.ok(failed > 0);
});

Readers('replay of a history purged while it is read, by ref and latest: the state, or ENOTFOUND naming the ref', async ({ store, root }) => {
  for (const deleted of [undefined, 'latest']) {
    const failed = await acrossPurge(store, root, (ref) => store.replay('web', { deleted: deleted ?? ref, atSeq: 6 }), (state) => {
      assert.equal([state.seq, state.status, state.annotations.i], [6, 'running', '3']);
    }, deleted === 'latest');
    assert.ok(failed > 0);
  }
});

Readers('deleted() while a history is purged: listed whole or not at all, never as damaged', async ({ store, root }) => {
  await acrossPurge(store, root, () => store.deleted('web'), (list) => {
    assert.ok(list.length <= 1);
    for (const d of list) assert.equal([d.error, d.seq], [undefined, 10]);
  });
});

Readers.run();

// ---

const Races = suite('purge racing deletes in other processes');
Races.before.each(async (ctx) => Object.assign(ctx, await freshStore(), { stop: path.join(os.tmpdir(), `runstate-purge-stop-${process.pid}-${Date.now()}`) }));
Races.after.each(async (ctx) => {
  fs.rmSync(ctx.stop, { force: true });
  await dropStore(ctx);
});

Races('deletes of the id while two processes purge all of it: every delete succeeds, each history is purged once or kept', async ({ store, root, stop }) => {
  const n = 60;
  const [life, p1, p2] = await runTogether('purge-race.js', [
    [root, 'lifetimes', 'web', stop, String(n)],
    [root, 'purge', 'web', stop],
    [root, 'purge', 'web', stop],
  ]);
  assert.equal(life.failures, []);
  assert.is(life.deletes, n);
  assert.equal([...p1.failures, ...p2.failures], []);
  const removed = [...p1.removed, ...p2.removed];
  assert.is(new Set(removed).size, removed.length, 'no history purged twice');
  const left = await store.deleted('web');
  for (const d of left) assert.is(d.error, undefined);
  assert.is(removed.length + left.length, n, `${removed.length} purged, ${left.length} left, ${p1.rounds + p2.rounds} purges`);
  assert.equal(new Set([...removed, ...left.map((d) => d.ref)]).size, n);
  assert.equal(fs.readdirSync(path.join(root, '.history')).filter((name) => name.startsWith('.')), []);
});

Races('a purge by age racing deletes of the id: the new histories all survive, the old ones go', async ({ store, root, stop }) => {
  for (let i = 0; i < 5; i++) await lifetime(store, 'web', `old${i}`);
  const old = (await store.deleted('web')).map((d) => d.ref);
  const cutoff = Date.now();
  await sleep(3);
  const n = 40;
  const [life, purger] = await runTogether('purge-race.js', [
    [root, 'lifetimes', 'web', stop, String(n)],
    [root, 'purge', 'web', stop, String(cutoff)],
  ]);
  assert.equal([...life.failures, ...purger.failures], []);
  assert.equal(purger.removed.sort(), old.sort());
  const left = await store.deleted('web');
  assert.is(left.length, n);
  for (const d of left) assert.ok(d.error === undefined && Date.parse(d.deleted) >= cutoff, JSON.stringify(d));
});

Races.run();
