// A writer that knows the head brings it up to date with one read at its end: nothing there, or
// what other writers appended since, folded from the bytes read (or, past what one read holds,
// from the file). And the hash of its own last record is made only when something asks for it.
// These tests append from other stores and processes between two transitions of one store.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore, logPath, logEnd, seqs } from '../helpers/store.js';
import { runTogether } from '../helpers/procs.js';
import { rejects } from '../fixtures/lock-harness.js';

const Tail = suite('tail read');
Tail.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore());
  await ctx.store.create('web');
  await ctx.store.annotate('web', { mine: '0' }); // the store now knows the head
  ctx.other = await openStore({ root: ctx.root, durability: 'none' });
});
Tail.after.each(async (ctx) => {
  await ctx.other?.close();
  await dropStore(ctx);
});

Tail('a few records appended by another store are folded from the one read', async ({ store, other }) => {
  for (let i = 0; i < 3; i++) await other.annotate('web', { other: String(i) });
  const s = await store.annotate('web', { mine: '1' });
  assert.is(s.seq, 6);
  assert.equal(s.annotations, { mine: '1', other: '2' });
  assert.equal(await seqs(store, 'web'), [1, 2, 3, 4, 5, 6]);
  assert.is((await store.verify('web')).ok, true);
});

Tail('more than one read holds: the rest is read from the file', async ({ store, other }) => {
  const big = 'x'.repeat(900);
  for (let i = 0; i < 8; i++) await other.annotate('web', { [`k${i}`]: big }); // > 4 KiB
  const s = await store.annotate('web', { mine: '1' });
  assert.is(s.seq, 11);
  assert.is(Object.keys(s.annotations).length, 9);
  assert.is(s.annotations.k7, big);
  assert.is((await store.verify('web')).ok, true);
});

Tail('records appended by other processes are folded, and the chain stays whole', async ({ store, root }) => {
  await runTogether('store-op.js', [
    [root, 'annotate', 'web', JSON.stringify({ a: '1' })],
    [root, 'annotate', 'web', JSON.stringify({ b: '2' })],
  ]);
  const s = await store.annotate('web', { mine: '1' });
  assert.is(s.seq, 5);
  assert.equal(s.annotations, { mine: '1', a: '1', b: '2' });
  const report = await store.verify('web');
  assert.is(report.ok, true, JSON.stringify(report.problems));
});

Tail('a torn record after the known head is cut off by the next transition', async ({ store, root }) => {
  const file = logPath(root, 'web');
  const before = fs.statSync(file).size;
  // A writer that died mid-append: a frame header promising more bytes than follow, and more of
  // them than the next record has, so that record cannot hide an uncut tail by overwriting it.
  const torn = Buffer.alloc(1024, 0xa1);
  torn.writeUInt32LE(4000, 0);
  fs.appendFileSync(file, torn);
  const s = await store.annotate('web', { mine: '1' });
  assert.is(s.seq, 3);
  assert.equal(await seqs(store, 'web'), [1, 2, 3]);
  const { end, tail, size } = await logEnd(root, 'web');
  assert.ok(end > before && end < before + torn.length, `new record ends at ${end}`);
  assert.is(tail, null);
  assert.is(size, end, 'the file ends where the new record does');
  const report = await store.verify('web');
  assert.is(report.ok, true);
  assert.is(report.problems.length, 0, JSON.stringify(report.problems));
});

Tail('transitions back to back chain on from the lazily made hash', async ({ store, root }) => {
  for (let i = 0; i < 5; i++) await store.annotate('web', { n: String(i) });
  const other = await openStore({ root, durability: 'none' });
  try {
    // A store that never saw these records checks the chain from the file.
    const report = await other.verify('web');
    assert.is(report.ok, true, JSON.stringify(report.problems));
    assert.equal(await seqs(other, 'web'), [1, 2, 3, 4, 5, 6, 7]);
  } finally {
    await other.close();
  }
});

Tail('meta.json written after back-to-back transitions names the hash of its head record', async ({ root }) => {
  const s = await openStore({ root, durability: 'none', projectionLag: 4 });
  const metaSeq = () => JSON.parse(fs.readFileSync(`${root}/web/meta.json`, 'utf8')).seq;
  try {
    await s.annotate('web', { n: '0' });
    await s.annotate('web', { n: '1' }); // seq 4: a refresh starts
    // One refresh at a time per container: let this one land before the next bound.
    for (let i = 0; i < 200 && metaSeq() !== 4; i++) await new Promise((r) => setTimeout(r, 10));
    for (let i = 2; i < 6; i++) await s.annotate('web', { n: String(i) }); // seq 8
  } finally {
    await s.close(); // waits for the refresh in flight
  }
  const meta = JSON.parse(fs.readFileSync(`${root}/web/meta.json`, 'utf8'));
  assert.is(meta.seq, 8);
  const { openLog, readRecords } = await import('../../dist/events/log.js');
  const { recordHash } = await import('../../dist/events/hash.js');
  const log = openLog(logPath(root, 'web'), false);
  let hash = '';
  try {
    readRecords(log, 64, log.size, 1, (rec, _start, end, payload) => {
      if (rec.seq === 8) {
        hash = recordHash(payload).toString('hex');
        assert.is(end, meta.offset);
      }
    });
  } finally {
    fs.closeSync(log.fd);
  }
  assert.is(meta.headHash, hash);
});

Tail('a refused transition keeps what it folded: the next call reads only what is new', async ({ store, other, root }) => {
  await store.start('web');
  await store.pause('web');
  for (let i = 0; i < 60; i++) await other.annotate('web', { other: String(i) }); // > 4 KiB of records
  await rejects(store.pause('web'), 'EBADTRANSITION');
  const file = logPath(root, 'web');
  const before = fs.statSync(file).size;
  for (let i = 0; i < 2; i++) await other.annotate('web', { late: String(i) });
  const grown = fs.statSync(file).size - before;
  // Count the bytes this store reads from the log during its next refusal.
  const readSync = fs.readSync;
  let read = 0;
  fs.readSync = function (...args) {
    const n = readSync.apply(this, args);
    read += n;
    return n;
  };
  try {
    await rejects(store.pause('web'), 'EBADTRANSITION');
  } finally {
    fs.readSync = readSync;
  }
  assert.is(read, grown, `read ${read} bytes: the two records appended since the last refusal (${grown} bytes), not the sixty before`);
  const s = await store.resume('web');
  assert.is(s.seq, 67);
  assert.equal(s.annotations, { mine: '0', other: '59', late: '1' });
  assert.is((await store.verify('web')).ok, true);
});

Tail('a store far behind starts from meta.json when it is ahead, as a fresh store does', async (ctx) => {
  const { store, other, root } = ctx;
  for (let i = 0; i < 1000; i++) await other.annotate('web', { other: String(i) });
  await other.close(); // its meta.json refreshes landed
  ctx.other = undefined;
  // Damage a record meta.json covers: a store folding from its own head (seq 2) would meet it.
  const file = logPath(root, 'web');
  const bytes = fs.readFileSync(file);
  let at = 64;
  for (let seq = 1; seq < 10; seq++) at += 8 + bytes.readUInt32LE(at);
  bytes[at + 20] ^= 0x01;
  fs.writeFileSync(file, bytes);
  const s = await store.annotate('web', { mine: '1' });
  assert.is(s.seq, 1003);
  assert.equal(s.annotations, { mine: '1', other: '999' });
  // The damage is still there for verify to report; this store only did not read it.
  const v = await store.verify('web');
  assert.ok(v.problems.some((p) => p.code === 'ECORRUPT' && p.offset === at), JSON.stringify(v.problems));
});

Tail('a writer catching up under the lock checks each frame; a reader checks a long read at once', ({ root }) => {
  // Checking a run of frames at once loads zlib and runs code no append runs: a one-off cost that
  // must not land under the lock, on every waiter. Seen in a fresh process, which loads zlib for it.
  const script = `
    import { openStore } from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)};
    const zlibLoaded = () => process.moduleLoadList.includes('NativeModule zlib');
    const [root] = process.argv.slice(1);
    const a = await openStore({ root, durability: 'none' });
    const b = await openStore({ root, durability: 'none' });
    await a.create('catch-up');
    await a.annotate('catch-up', { a: '0' });
    for (let i = 0; i < 300; i++) await b.annotate('catch-up', { b: String(i) });
    const before = zlibLoaded();
    const s = await a.annotate('catch-up', { a: '1' });
    const underLock = zlibLoaded();
    await a.replay('catch-up', { atSeq: s.seq });
    console.log(JSON.stringify({ before, underLock, afterRead: zlibLoaded(), seq: s.seq }));
    await a.close();
    await b.close();`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, root], { encoding: 'utf8' });
  assert.equal(JSON.parse(out), { before: false, underLock: false, afterRead: true, seq: 303 });
});

Tail.run();
