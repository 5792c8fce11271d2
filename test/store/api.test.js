import fs from 'node:fs';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore } from '../helpers/store.js';

const Lifecycle = suite('store lifecycle');
Lifecycle.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Lifecycle.after.each(dropStore);

Lifecycle('create → start → pause → resume → kill → exited → delete', async ({ store, root }) => {
  let s = await store.create('web', { bundle: '/srv/web', annotations: { team: 'a' } });
  assert.equal([s.id, s.status, s.pid, s.seq, s.bundle], ['web', 'created', 0, 1, '/srv/web']);
  assert.is(s.ociVersion, '1.2.0');
  s = await store.start('web', { pid: 4242, pidStart: 99 });
  assert.equal([s.status, s.pid, s.pidStart], ['running', 4242, 99]);
  assert.is((await store.pause('web')).status, 'paused');
  assert.is((await store.resume('web')).status, 'running');
  s = await store.kill('web', 'TERM');
  assert.equal([s.status, s.killSignal], ['running', 'SIGTERM']);
  s = await store.exited('web', { code: 143 });
  assert.equal([s.status, s.exitCode, s.pid], ['stopped', 143, 0]);
  assert.equal(await store.state('web'), s);
  const gone = await store.delete('web');
  assert.is(gone.seq, 7);
  assert.not.ok(fs.existsSync(path.join(root, 'web')));
  try { await store.state('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
  // History is kept, the id is free again.
  const kept = fs.readdirSync(path.join(root, '.history', 'web'));
  assert.is(kept.length, 1);
  assert.ok(fs.existsSync(path.join(root, '.history', 'web', kept[0], 'events.log')));
  assert.is((await store.create('web')).seq, 1);
});

Lifecycle('exited with ifPid records only the exit of the process the container still runs', async ({ store }) => {
  await store.create('web');
  await store.start('web', { pid: 4242, pidStart: 7 });
  for (const guard of [{ ifPid: 4243 }, { ifPid: 4242, ifPidStart: 8 }]) {
    try { await store.exited('web', { code: 0, ...guard }); assert.unreachable(); } catch (e) { assert.is(e.code, 'EBADTRANSITION'); }
  }
  assert.is((await store.history('web')).length, 2);
  const s = await store.exited('web', { code: 3, ifPid: 4242, ifPidStart: 7 });
  assert.equal([s.status, s.exitCode], ['stopped', 3]);
});

Lifecycle('kill of a container without a process stops it at once', async ({ store }) => {
  await store.create('job');
  await store.start('job');
  const s = await store.kill('job', 'SIGKILL');
  assert.equal([s.status, s.exitSignal], ['stopped', 'SIGKILL']);
  assert.equal((await store.history('job')).map((e) => e.type), ['created', 'started', 'killed', 'exited']);
});

Lifecycle('start without a pid keeps the process given at create', async ({ store }) => {
  const { readPidStart } = await import('../../dist/process/stat.js');
  const own = readPidStart(process.pid);
  assert.ok(own > 0, 'this process has a start time');
  let s = await store.create('app', { pid: process.pid });
  assert.equal([s.pid, s.pidStart], [process.pid, own], 'the start time is read from /proc at create');
  s = await store.start('app');
  assert.equal([s.status, s.pid, s.pidStart], ['running', process.pid, own]);
  const [, started] = await store.history('app');
  assert.equal(started.data, { pid: process.pid, pidStart: own });
  // So kill treats it as a container with a process: it records only `killed`.
  s = await store.kill('app', 'TERM');
  assert.equal([s.status, s.killSignal], ['running', 'SIGTERM']);
  // A pidStart without its pid is a programmer mistake, before anything is appended.
  await store.create('b', { pid: 4242, pidStart: 9 });
  for (const op of [() => store.start('b', { pidStart: 5 }), () => store.create('c', { pidStart: 5 })]) {
    try { await op(); assert.unreachable(); } catch (e) { assert.instance(e, TypeError); assert.match(e.message, 'give pid'); }
  }
  assert.is((await store.history('b')).length, 1);
  assert.equal((await store.list()).map((c) => c.id), ['app', 'b']);
});

Lifecycle('refused transitions append nothing', async ({ store }) => {
  await store.create('web');
  for (const op of [() => store.pause('web'), () => store.resume('web'), () => store.exited('web').then(() => store.kill('web'))]) {
    const before = (await store.history('web')).length;
    try { await op(); assert.unreachable(); } catch (e) {
      assert.is(e.code, 'EBADTRANSITION');
    }
    const after = (await store.history('web')).length;
    assert.ok(after - before <= 1, 'only the allowed part of a step is recorded');
  }
  try { await store.pause('web'); assert.unreachable(); } catch (e) {
    assert.is(e.message, 'cannot pause container "web" in state stopped');
  }
  assert.equal((await store.history('web')).map((e) => e.type), ['created', 'exited']);
});

Lifecycle('create of an existing id is EEXIST and changes nothing', async ({ store }) => {
  await store.create('web', { bundle: '/a' });
  try { await store.create('web', { bundle: '/b' }); assert.unreachable(); } catch (e) { assert.is(e.code, 'EEXIST'); }
  assert.is((await store.state('web')).bundle, '/a');
  assert.is((await store.history('web')).length, 1);
});

Lifecycle('a delete whose move failed leaves the container gone, and deleting again finishes the move', async ({ store, root }) => {
  const { created } = await store.create('web');
  // A .history that is not a directory is refused before anything is appended.
  const history = path.join(root, '.history');
  fs.rmSync(history, { recursive: true, force: true });
  fs.writeFileSync(history, 'not a directory');
  try { await store.delete('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EUNSAFEPATH'); }
  assert.is((await store.state('web')).seq, 1, 'nothing appended');
  fs.rmSync(history);
  // The move itself fails (its destination is taken), after the deleted record was appended.
  const { logId } = JSON.parse(fs.readFileSync(path.join(root, 'web', 'meta.json'), 'utf8'));
  const dest = path.join(history, 'web', `${created.replace(/:/g, '-')}-${logId}`);
  fs.mkdirSync(path.join(dest, 'taken'), { recursive: true });
  try { await store.delete('web'); assert.unreachable(); } catch (e) { assert.ok(['ENOTEMPTY', 'EEXIST'].includes(e.code), e.code); }
  assert.ok(fs.existsSync(path.join(root, 'web', 'events.log')), 'the directory is still in place');
  for (const op of [() => store.state('web'), () => store.pause('web'), () => store.annotate('web', { a: 'b' })]) {
    try { await op(); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); assert.match(e.message, /was deleted/); }
  }
  assert.equal(await store.list(), []);
  fs.rmSync(dest, { recursive: true });
  await store.delete('web');
  assert.not.ok(fs.existsSync(path.join(root, 'web')));
  const [kept] = fs.readdirSync(path.join(root, '.history', 'web'));
  const { openLog, readRecords } = await import('../../dist/events/log.js');
  const log = openLog(path.join(root, '.history', 'web', kept, 'events.log'), false);
  const types = [];
  readRecords(log, 64, log.size, 1, (rec) => { types.push(rec.type); });
  fs.closeSync(log.fd);
  assert.equal(types, ['created', 'deleted'], 'one deleted record');
  assert.is((await store.create('web')).seq, 1);
});

Lifecycle('create finishes a delete whose move was cut short, then creates; a live container stays EEXIST', async ({ store, root }) => {
  const { created } = await store.create('web', { annotations: { gen: 'old' } });
  const { logId } = JSON.parse(fs.readFileSync(path.join(root, 'web', 'meta.json'), 'utf8'));
  const dest = path.join(root, '.history', 'web', `${created.replace(/:/g, '-')}-${logId}`);
  fs.mkdirSync(path.join(dest, 'taken'), { recursive: true });
  try { await store.delete('web'); assert.unreachable(); } catch (e) { assert.ok(['ENOTEMPTY', 'EEXIST'].includes(e.code), e.code); }
  fs.rmSync(dest, { recursive: true }); // as after a crash between the deleted record and the move
  try { await store.compact('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); assert.match(e.message, /was deleted/); }
  assert.not.ok(fs.existsSync(path.join(root, 'web', 'segments')), 'nothing sealed in a deleted container');
  const s = await store.create('web', { annotations: { gen: 'new' } });
  assert.equal([s.seq, s.annotations.gen], [1, 'new']);
  const [old] = await store.deleted('web');
  assert.equal((await store.history('web', { deleted: old.ref })).map((e) => e.type), ['created', 'deleted']);
  try { await store.create('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EEXIST'); }
  assert.is((await store.state('web')).annotations.gen, 'new');
  assert.is((await store.history('web')).length, 1, 'the live container was not touched');
});

Lifecycle('delete refuses a running container unless forced', async ({ store }) => {
  await store.create('web');
  await store.start('web', { pid: 1 });
  try { await store.delete('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EBADTRANSITION'); }
  assert.is((await store.state('web')).status, 'running');
  await store.delete('web', { force: true });
  try { await store.state('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
});

Lifecycle('unknown signal is EINVALID and appends nothing', async ({ store }) => {
  await store.create('web');
  try { await store.kill('web', 'SIGBOGUS'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EINVALID'); }
  assert.is((await store.history('web')).length, 1);
});

Lifecycle('an empty or "__proto__" annotation key is EINVALID, for create and annotate, and appends nothing', async ({ store }) => {
  const proto = JSON.parse('{"__proto__": "x"}'); // an own key, as parsed JSON holds it
  for (const annotations of [{ '': 'x' }, proto]) {
    try { await store.create('web', { annotations }); assert.unreachable(); } catch (e) { assert.is(e.code, 'EINVALID'); }
  }
  await store.create('web');
  for (const annotations of [{ '': 'x' }, proto]) {
    try { await store.annotate('web', annotations); assert.unreachable(); } catch (e) { assert.is(e.code, 'EINVALID'); }
  }
  assert.is((await store.history('web')).length, 1);
});

Lifecycle('annotate merges and removes keys in any live status', async ({ store }) => {
  await store.create('web', { annotations: { a: '1', b: '2' } });
  let s = await store.annotate('web', { a: null, c: '3' });
  assert.equal(s.annotations, { b: '2', c: '3' });
  await store.exited('web');
  s = await store.annotate('web', { d: '4' });
  assert.equal(s.annotations, { b: '2', c: '3', d: '4' });
});

Lifecycle('a NUL character in stored text is EINVALID and appends nothing', async ({ store }) => {
  await store.create('web');
  const nul = '\0'.repeat(600); // also a zero run that recovery would take for a hole the OS left
  for (const op of [
    () => store.annotate('web', { k: nul }), () => store.annotate('web', { ['a\0b']: 'v' }),
    () => store.create('x', { annotations: { k: `a${nul}` } }), () => store.create('x', { bundle: '/srv/\0' }),
    () => store.create('x', { command: ['sh', '-c', 'echo\0'] }),
  ]) {
    try { await op(); assert.unreachable(op.toString()); } catch (e) { assert.is(e.code, 'EINVALID', op.toString()); assert.match(e.message, 'NUL'); }
  }
  // A lone surrogate would be stored as U+FFFD while the state returned kept it.
  for (const op of [() => store.annotate('web', { k: 'x\udc00' }), () => store.create('x', { bundle: '/srv/\ud800' })]) {
    try { await op(); assert.unreachable(op.toString()); } catch (e) { assert.is(e.code, 'EINVALID', op.toString()); assert.match(e.message, 'lone surrogate'); }
  }
  assert.is((await store.annotate('web', { k: 'pair \ud83d\ude00 é' })).annotations.k, 'pair \ud83d\ude00 é');
  assert.is((await store.history('web')).at(-1).data.annotations.k, 'pair \ud83d\ude00 é');
  // An exit code a record cannot hold exactly is refused before anything is appended.
  await store.start('web');
  try { await store.exited('web', { code: 2 ** 60 }); assert.unreachable(); } catch (e) { assert.instance(e, TypeError); }
  assert.is((await store.history('web')).length, 3);
  assert.equal((await store.list()).map((c) => c.id), ['web']);
});

Lifecycle('oversized payload is ETOOLARGE and appends nothing', async ({ store }) => {
  await store.create('web');
  try { await store.annotate('web', { big: 'x'.repeat(70_000) }); assert.unreachable(); } catch (e) { assert.is(e.code, 'ETOOLARGE'); }
  try { await store.create('huge', { annotations: { big: 'x'.repeat(70_000) } }); assert.unreachable(); } catch (e) { assert.is(e.code, 'ETOOLARGE'); }
  assert.is((await store.history('web')).length, 1);
  try { await store.state('huge'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
});

Lifecycle('operations on a missing container are ENOTFOUND', async ({ store }) => {
  for (const op of [() => store.start('nope'), () => store.state('nope'), () => store.history('nope'), () => store.verify('nope'), () => store.delete('nope')]) {
    try { await op(); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
  }
});

Lifecycle('list reports every container and a damaged one without aborting', async ({ store, root }) => {
  await store.create('a');
  await store.create('b');
  await store.create('c');
  fs.writeFileSync(path.join(root, 'b', 'events.log'), 'garbage that is not a log');
  const rows = await store.list();
  assert.equal(rows.map((r) => r.id), ['a', 'b', 'c']);
  assert.is(rows[1].status, 'unknown');
  assert.is(rows[1].error.code, 'EFORMAT');
  assert.is(rows[0].status, 'created');
});

Lifecycle('files and directories are created 0711 / 0640', async ({ store, root }) => {
  await store.create('web');
  assert.is(fs.statSync(path.join(root, 'web')).mode & 0o777, 0o711);
  for (const f of ['lock', 'events.log', 'meta.json']) {
    assert.is(fs.statSync(path.join(root, 'web', f)).mode & 0o777 & ~0o640, 0, f);
  }
});

Lifecycle.run();

// ---

const Lifetime = suite('store options and close');
Lifetime.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Lifetime.after.each(dropStore);

Lifetime('bad options: a wrong type or range is a TypeError, an unknown mode EINVALID', async ({ root }) => {
  for (const bad of [{ root: '' }, { root: 5 }, { projectionLag: 0 }, { projectionLag: -5 }, { projectionLag: 'abc' }, { projectionLag: 1.5 },
    { syncLock: 'yes' }, { lockTimeoutMs: -1 }]) {
    try { await openStore({ root, ...bad }); assert.unreachable(JSON.stringify(bad)); } catch (e) { assert.instance(e, TypeError, JSON.stringify(bad)); }
  }
  for (const bad of [{ durability: 'bogus' }, { projection: 'x' }]) {
    try { await openStore({ root, ...bad }); assert.unreachable(JSON.stringify(bad)); } catch (e) { assert.is(e.code, 'EINVALID', JSON.stringify(bad)); }
  }
  const s = await openStore({ root, projection: 'eager', projectionLag: 3, syncLock: true, durability: 'none' });
  await s.create('ok');
  assert.is((await s.annotate('ok', { a: '1' })).seq, 2);
  await s.close();
});

Lifetime('after close every call fails with ECLOSED, watch through its observable; closing again waits for the first close', async ({ store }) => {
  await store.create('web');
  for (const id of ['a', 'b', 'gone']) await store.create(id);
  // Calls begun before close(), in the same tick, complete, whatever they wait on first.
  const pending = [store.annotate('web', { a: '1' }), store.list(), store.delete('gone'), store.verify('a'), store.pause('b').catch((e) => e.code)];
  const first = store.close();
  const second = store.close();
  await Promise.all([first, second]);
  const [annotated, listed, deleted, verified, refused] = await Promise.all(pending);
  assert.is(annotated.seq, 2, 'a call in flight when close began completes');
  // `gone` is listed or not, as the delete beside it went; none is an error.
  assert.equal(listed.filter((c) => c.id !== 'gone').map((c) => [c.id, c.status]), [['a', 'created'], ['b', 'created'], ['web', 'created']]);
  assert.ok(listed.every((c) => !('error' in c)), JSON.stringify(listed));
  assert.ok(deleted.deleted);
  assert.ok(verified.ok);
  assert.is(refused, 'EBADTRANSITION');
  const calls = [
    () => store.create('x'), () => store.start('web'), () => store.pause('web'), () => store.resume('web'),
    () => store.kill('web'), () => store.exited('web'), () => store.annotate('web', { b: '2' }), () => store.delete('web'),
    () => store.state('web'), () => store.list(), () => store.history('web'), () => store.replay('web', { atSeq: 1 }),
    () => store.deleted('web'), () => store.compact('web'), () => store.verify('web'),
  ];
  for (const call of calls) {
    try { await call(); assert.unreachable(call.toString()); } catch (e) { assert.is(e.code, 'ECLOSED', call.toString()); assert.match(e.message, 'closed'); }
  }
  const err = await new Promise((resolve) => store.watch('web').subscribe({ next: () => resolve(null), error: resolve, complete: () => resolve(null) }));
  assert.is(err?.code, 'ECLOSED');
  assert.equal(store.lockStats().acquired, 4, 'stats stay readable (annotate, delete, verify, pause)');
  const again = await openStore({ root: store.root, durability: 'none' });
  assert.equal((await again.history('web')).map((e) => e.seq), [1, 2], 'nothing appended after close');
  await again.close();
});

Lifetime('watch reports a bad id through its observable, as it does a missing container', async ({ store }) => {
  for (const [id, code] of [['bad/id', 'EINVALIDID'], ['nope', 'ENOTFOUND']]) {
    const obs = store.watch(id); // never throws
    const err = await new Promise((resolve) => obs.subscribe({ next: () => resolve(null), error: resolve, complete: () => resolve(null) }));
    assert.is(err?.code, code, id);
  }
});

Lifetime.run();

const Reading = suite('history and replay');
Reading.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore());
  await ctx.store.create('web');
  await ctx.store.start('web', { pid: 7 });
  ctx.mid = Date.now();
  await new Promise((r) => setTimeout(r, 15));
  await ctx.store.pause('web');
  await ctx.store.resume('web');
});
Reading.after.each(dropStore);

Reading('history is contiguous and ranges are inclusive', async ({ store }) => {
  const all = await store.history('web');
  assert.equal(all.map((e) => e.seq), [1, 2, 3, 4]);
  assert.equal(all.map((e) => e.type), ['created', 'started', 'paused', 'resumed']);
  assert.is(all[0].actor.pid, process.pid);
  assert.ok(!Number.isNaN(Date.parse(all[0].at)));
  assert.equal((await store.history('web', { fromSeq: 2, toSeq: 3 })).map((e) => e.seq), [2, 3]);
});

Reading('replay at a seq and at a time', async ({ store, mid }) => {
  assert.is((await store.replay('web', { atSeq: 3 })).status, 'paused');
  assert.is((await store.replay('web', { atSeq: 1 })).status, 'created');
  assert.is((await store.replay('web', { atTime: new Date(mid).toISOString() })).status, 'running');
  assert.is((await store.replay('web', { atTime: mid })).seq, 2);
  for (const bad of [{ atSeq: 9 }, { atSeq: 0 }, {}, { atSeq: 1, atTime: mid }, { atTime: 'yesterday' }, { atTime: 0 }]) {
    try { await store.replay('web', bad); assert.unreachable(); } catch (e) { assert.is(e.code, 'EINVALID', JSON.stringify(bad)); }
  }
  // Times as strict as the CLI's: no rolled-over date, no zone-less time, no bare number read as a year.
  for (const atTime of ['2026-11-31', '2026-11-29 12:00', '2026-11-29T12:00', '12345', 'Sun, 29 Nov 2026 12:00:00 GMT']) {
    try { await store.replay('web', { atTime }); assert.unreachable(atTime); } catch (e) {
      assert.is(e.code, 'EINVALID', atTime);
      assert.match(e.message, `atTime is not a time: ${JSON.stringify(atTime)}: `);
    }
  }
  try { await store.replay('web', { atTime: 10n }); assert.unreachable(); } catch (e) { assert.ok(e instanceof TypeError, String(e)); }
  assert.is((await store.replay('web', { atTime: new Date(mid).toISOString().replace('Z', '+00:00') })).seq, 2);
});

Reading('verify of an intact container is ok', async ({ store }) => {
  const r = await store.verify('web');
  assert.ok(r.ok);
  assert.is(r.events, 4);
  assert.is(r.headSeq, 4);
  assert.equal(r.problems.filter((p) => p.severity === 'error'), []);
});

Reading('a second store instance reads what the first acknowledged', async ({ root }) => {
  const other = await openStore({ root, durability: 'none' });
  assert.is((await other.state('web')).seq, 4);
  await other.annotate('web', { by: 'other' });
  await other.close();
});

Reading.run();
