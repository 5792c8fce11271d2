import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { validateId, defaultRoot } from '../../dist/index.js';
import { freshStore, dropStore } from '../helpers/store.js';

const BAD = ['', '.', '..', '../etc', 'a/b', '/abs', '.hidden', '-flag', 'a..b', 'x'.repeat(129), 'sp ace', 'nul\0', 'é', 'a\nb'];
const GOOD = ['web', 'a', 'A.b_c+d-e', '0', 'x'.repeat(128), 'v1.2.3'];

const Ids = suite('container ids');
Ids.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Ids.after.each(dropStore);

Ids('bad ids are EINVALIDID for every operation and create nothing', async ({ store, root }) => {
  for (const id of BAD) {
    for (const op of ['create', 'start', 'pause', 'state', 'history', 'verify', 'delete']) {
      try { await store[op](id); assert.unreachable(); } catch (e) { assert.is(e.code, 'EINVALIDID', `${op}(${JSON.stringify(id)})`); }
    }
  }
  assert.equal(fs.readdirSync(root).filter((n) => !n.startsWith('.')), []);
  assert.ok(!fs.existsSync(path.join(path.dirname(root), 'etc')));
});

Ids('good ids are accepted', async ({ store }) => {
  for (const id of GOOD) {
    assert.is(validateId(id), id);
    assert.is((await store.create(id)).id, id);
  }
});

Ids('a non-string id is a TypeError', () => {
  assert.throws(() => validateId(42), (e) => e instanceof TypeError && /must be a string, got number/.test(e.message));
});

Ids.run();

// ---

const Links = suite('symlinks inside the root are never followed');
Links.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore());
  ctx.outside = fs.mkdtempSync(path.join(os.tmpdir(), 'runstate-outside-'));
});
Links.after.each(async (ctx) => {
  await dropStore(ctx);
  fs.rmSync(ctx.outside, { recursive: true, force: true });
});

Links('a file or a dangling symlink where a container directory would be is EUNSAFEPATH for every call, as for readers', async ({ store, root }) => {
  fs.writeFileSync(path.join(root, 'stray'), 'not a container');
  const calls = [() => store.state('stray'), () => store.pause('stray'), () => store.annotate('stray', { a: 'b' }),
    () => store.verify('stray'), () => store.compact('stray'), () => store.delete('stray'), () => store.history('stray')];
  for (const op of calls) {
    try { await op(); assert.unreachable(op.toString()); } catch (e) {
      assert.is(e.code, 'EUNSAFEPATH', op.toString());
      assert.match(e.message, 'is not a directory');
    }
  }
  assert.is(fs.readFileSync(path.join(root, 'stray'), 'utf8'), 'not a container');
  fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
  for (const op of [() => store.state('dangling'), () => store.annotate('dangling', { a: 'b' }), () => store.verify('dangling')]) {
    try { await op(); assert.unreachable(op.toString()); } catch (e) {
      assert.is(e.code, 'EUNSAFEPATH', op.toString());
      assert.match(e.message, 'is a symlink');
    }
  }
});

Links('a symlinked container directory is refused, its target untouched', async ({ store, root, outside }) => {
  await store.create('real');
  fs.renameSync(path.join(root, 'real'), path.join(outside, 'real'));
  fs.symlinkSync(path.join(outside, 'real'), path.join(root, 'web'));
  const before = fs.readFileSync(path.join(outside, 'real', 'events.log'));
  for (const op of [() => store.state('web'), () => store.annotate('web', { a: 'b' }), () => store.history('web')]) {
    try { await op(); assert.unreachable(); } catch (e) { assert.ok(['EUNSAFEPATH', 'ENOTFOUND'].includes(e.code), e.code); }
  }
  assert.ok(fs.readFileSync(path.join(outside, 'real', 'events.log')).equals(before));
});

Links('a symlinked meta.json is replaced, never written through', async ({ root, outside }) => {
  const { openStore } = await import('../../dist/index.js');
  const store = await openStore({ root, durability: 'none', projection: 'eager' });
  await store.create('web');
  const target = path.join(outside, 'victim');
  fs.writeFileSync(target, 'precious');
  const meta = path.join(root, 'web', 'meta.json');
  fs.rmSync(meta);
  fs.symlinkSync(target, meta);
  assert.is((await store.state('web')).status, 'created');
  await store.annotate('web', { a: 'b' });
  assert.is(fs.readFileSync(target, 'utf8'), 'precious');
  assert.not.ok(fs.lstatSync(meta).isSymbolicLink());
  fs.symlinkSync(target, `${meta}.tmp`);
  assert.is((await store.annotate('web', { a: 'c' })).annotations.a, 'c');
  assert.is(fs.readFileSync(target, 'utf8'), 'precious');
  assert.is(JSON.parse(fs.readFileSync(meta, 'utf8')).annotations.a, 'c');
  await store.close();
});

Links('a symlinked events.log is refused', async ({ store, root, outside }) => {
  await store.create('web');
  const log = path.join(root, 'web', 'events.log');
  fs.renameSync(log, path.join(outside, 'events.log'));
  fs.symlinkSync(path.join(outside, 'events.log'), log);
  try { await store.state('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EUNSAFEPATH'); }
});

Links('symlinked .history, .history/<id>, .tmp and segments are refused: nothing is moved or written through them', async ({ store, root, outside }) => {
  const refused = async (op) => {
    try { await op(); assert.unreachable(); } catch (e) { assert.is(e.code, 'EUNSAFEPATH', e.message); assert.match(e.message, /symlink/); }
  };
  // delete would move the container into .history/<id>/…: a link there is refused, the container stays.
  await store.create('web');
  fs.mkdirSync(path.join(root, '.history'), { recursive: true });
  fs.symlinkSync(outside, path.join(root, '.history', 'web'));
  await refused(() => store.delete('web'));
  assert.is((await store.state('web')).status, 'created');
  fs.rmSync(path.join(root, '.history', 'web'));
  fs.rmSync(path.join(root, '.history'), { recursive: true });
  fs.symlinkSync(outside, path.join(root, '.history'));
  await refused(() => store.delete('web'));
  fs.rmSync(path.join(root, '.history'));
  // compact would seal into segments/: refused, and so is reading a history through such a link.
  fs.symlinkSync(outside, path.join(root, 'web', 'segments'));
  await refused(() => store.compact('web'));
  await refused(() => store.history('web'));
  await refused(() => store.verify('web').then((v) => { if (!v.ok) throw Object.assign(new Error(v.problems[0].message), { code: v.problems[0].code }); }));
  fs.rmSync(path.join(root, 'web', 'segments'));
  assert.ok((await store.verify('web')).ok);
  // create builds a container under .tmp/ first.
  fs.rmSync(path.join(root, '.tmp'), { recursive: true, force: true });
  fs.symlinkSync(outside, path.join(root, '.tmp'));
  await refused(() => store.create('db'));
  assert.equal(fs.readdirSync(outside), [], 'nothing was made through a link');
  fs.rmSync(path.join(root, '.tmp'));
  assert.is((await store.create('db')).status, 'created');
  assert.is((await store.delete('web')).status, 'created');
});

Links.run();

// ---

const Root = suite('default root');

Root('RUNSTATE_ROOT, then XDG_RUNTIME_DIR, then /run/runstate as root, else tmpdir', () => {
  assert.is(defaultRoot({ RUNSTATE_ROOT: '/x/y' }), '/x/y');
  assert.is(defaultRoot({ XDG_RUNTIME_DIR: '/run/user/5' }), '/run/user/5/runstate');
  const expected = process.getuid() === 0 ? '/run/runstate' : path.join(os.tmpdir(), `runstate-${process.getuid()}`);
  assert.is(defaultRoot({}), expected);
});

Root.run();
