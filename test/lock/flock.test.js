import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { flockAsync, flockSync, isWouldBlock, loadFlockBinding } from '../../dist/lock/flock.js';
import { rmRoot, tmpRoot } from '../helpers/tmp.js';

const Binding = suite('flock binding');

Binding('the fs-ext native addon loads and has flock (fails loudly when it did not build)', () => {
  const require = createRequire(import.meta.url);
  let mod;
  try {
    mod = require('fs-ext');
  } catch (err) {
    assert.unreachable(`fs-ext's native addon is missing: run \`npm rebuild fs-ext\` (${err.message})`);
  }
  assert.type(mod.flock, 'function');
  assert.type(mod.flockSync, 'function');
  const b = loadFlockBinding();
  assert.type(b.flockSync, 'function');
});

Binding('a failing load is ENOLOCK naming the fix, never a silent fallback', () => {
  try {
    loadFlockBinding(() => { throw new Error("Cannot find module './build/Release/fs_ext.node'"); });
    assert.unreachable();
  } catch (err) {
    assert.is(err.code, 'ENOLOCK');
    assert.match(err.message, 'npm rebuild fs-ext');
    assert.match(err.message, 'allowScripts');
    assert.ok(err.cause instanceof Error);
  }
});

Binding('a module without flock is ENOLOCK', () => {
  try {
    loadFlockBinding(() => ({ seek() {} }));
    assert.unreachable();
  } catch (err) {
    assert.is(err.code, 'ENOLOCK');
  }
});

Binding.run();

// ---

const Ops = suite('flockSync / flockAsync');

Ops.before((ctx) => {
  ctx.root = tmpRoot();
  ctx.file = path.join(ctx.root, 'lock');
  fs.writeFileSync(ctx.file, '');
});
Ops.after((ctx) => rmRoot(ctx.root));

Ops('two open file descriptions of one process conflict; nb fails with would-block', (ctx) => {
  const a = fs.openSync(ctx.file, 'r');
  const b = fs.openSync(ctx.file, 'r');
  try {
    flockSync(a, 'ex');
    try {
      flockSync(b, 'exnb');
      assert.unreachable();
    } catch (err) {
      assert.ok(isWouldBlock(err), `expected EAGAIN, got ${err.code}`);
      assert.is(err.syscall, 'flock');
    }
    flockSync(a, 'un');
    flockSync(b, 'exnb');
    flockSync(b, 'un');
  } finally {
    fs.closeSync(a);
    fs.closeSync(b);
  }
});

Ops('shared locks coexist; exclusive is refused while they are held', (ctx) => {
  const [a, b, c] = [0, 1, 2].map(() => fs.openSync(ctx.file, 'r'));
  try {
    flockSync(a, 'shnb');
    flockSync(b, 'shnb');
    try {
      flockSync(c, 'exnb');
      assert.unreachable();
    } catch (err) {
      assert.ok(isWouldBlock(err));
    }
  } finally {
    [a, b, c].forEach((fd) => fs.closeSync(fd));
  }
});

Ops('flockAsync resolves, and rejects with the same would-block mapping', async (ctx) => {
  const a = fs.openSync(ctx.file, 'r');
  const b = fs.openSync(ctx.file, 'r');
  try {
    await flockAsync(a, 'ex');
    try {
      await flockAsync(b, 'exnb');
      assert.unreachable();
    } catch (err) {
      assert.ok(isWouldBlock(err));
      assert.is(err.syscall, 'flock');
    }
    await flockAsync(a, 'un');
    await flockAsync(b, 'exnb');
  } finally {
    fs.closeSync(a);
    fs.closeSync(b);
  }
});

Ops('other errors are not would-block', () => {
  try {
    flockSync(2 ** 20, 'exnb');
    assert.unreachable();
  } catch (err) {
    assert.is(err.code, 'EBADF');
    assert.not.ok(isWouldBlock(err));
  }
});

Ops.run();
