import fs from 'node:fs';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore } from '../helpers/store.js';

const reopen = (root) => openStore({ root, durability: 'none' });

const Compact = suite('compaction');
Compact.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore());
  await ctx.store.create('web');
  for (let i = 0; i < 20; i++) await ctx.store.annotate('web', { i: String(i) });
});
Compact.after.each(dropStore);

Compact('removes temp files that killed meta.json refreshes left behind', async ({ store, root }) => {
  const stray = path.join(root, 'web', 'meta.json.99999-1.tmp');
  fs.writeFileSync(stray, '{"half":');
  await store.compact('web');
  assert.not.ok(fs.existsSync(stray));
  assert.ok(fs.existsSync(path.join(root, 'web', 'meta.json')));
});

Compact('seals the segment, snapshots the head, and loading starts from the snapshot', async ({ store, root }) => {
  const before = await store.state('web');
  const r = await store.compact('web');
  assert.is(r.seq, 21);
  assert.ok(fs.existsSync(r.sealed));
  const dir = path.join(root, 'web');
  assert.is(fs.statSync(path.join(dir, 'events.log')).size, 64, 'the active segment is a bare header');
  const s = await reopen(root);
  assert.equal(await s.state('web'), before);
  // Writing goes on from the snapshot, the chain included.
  await s.start('web');
  assert.is((await s.pause('web')).seq, 23);
  const v = await s.verify('web');
  assert.ok(v.ok, JSON.stringify(v.problems));
  assert.is(v.events, 23);
  // History and replay reach back through the sealed segment.
  assert.equal((await s.history('web')).map((e) => e.seq), Array.from({ length: 23 }, (_, i) => i + 1));
  assert.is((await s.replay('web', { atSeq: 5 })).annotations.i, '3');
  assert.is((await s.replay('web', { atSeq: 22 })).status, 'running');
  await s.close();
});

Compact('a second compaction chains on; meta.json missing after compaction is rebuilt from the snapshot', async ({ store, root }) => {
  await store.compact('web');
  await store.annotate('web', { j: '1' });
  await store.compact('web');
  const dir = path.join(root, 'web');
  assert.is(fs.readdirSync(path.join(dir, 'segments')).length, 2);
  assert.equal(fs.readdirSync(dir).filter((n) => n.startsWith('snapshot-')), ['snapshot-000000000022.bin']);
  fs.rmSync(path.join(dir, 'meta.json'));
  const s = await reopen(root);
  const st = await s.state('web');
  assert.equal([st.seq, st.annotations.j], [22, '1']);
  assert.ok((await s.verify('web')).ok);
  await s.close();
});

Compact('retention prunes old segments; replay before them is EPRUNED, after them works', async ({ store }) => {
  await store.compact('web');
  for (let i = 0; i < 5; i++) await store.annotate('web', { k: String(i) });
  const r = await store.compact('web', { keepSegments: 0 });
  assert.is(r.pruned.length, 2);
  // Asked for by seq, pruned events are EPRUNED; history without fromSeq is what is kept (none yet).
  for (const op of [() => store.history('web', { fromSeq: 1 }), () => store.history('web', { fromSeq: 10 })]) {
    try { await op(); assert.unreachable(); } catch (e) {
      assert.is(e.code, 'EPRUNED');
      assert.is(e.details.oldestSeq, 27);
      assert.match(e.message, 'the oldest kept is seq 27');
    }
  }
  assert.equal(await store.history('web'), []);
  for (const [point, named] of [[{ atSeq: 3 }, 'seq 3'], [{ atTime: '2000-01-01T00:00:00Z' }, '2000-01-01T00:00:00.000Z']]) {
    try { await store.replay('web', point); assert.unreachable(); } catch (e) {
      assert.is(e.code, 'EPRUNED');
      assert.is(e.details.earliestSeq, 26, 'the snapshot the kept segment starts from');
      assert.match(e.message, `no state at ${named} any more`);
      assert.match(e.message, 'the earliest point kept is seq 26');
    }
  }
  assert.is((await store.replay('web', { atSeq: 26 })).annotations.k, '4');
  await store.annotate('web', { k: 'after' });
  assert.equal((await store.history('web', { fromSeq: 27 })).map((e) => e.seq), [27]);
  assert.equal((await store.history('web')).map((e) => e.seq), [27]);
  const v = await store.verify('web');
  assert.ok(v.ok, JSON.stringify(v.problems));
  assert.is(v.problems[0].code, 'EPRUNED');
  assert.is(v.problems[0].severity, 'warning');
});

Compact('verify after pruning checks the kept segments from their header on, and finds damage in them', async ({ store, root }) => {
  await store.compact('web'); // seals 1..21
  for (let i = 0; i < 5; i++) await store.annotate('web', { k: String(i) });
  const r = await store.compact('web', { keepSegments: 1 }); // seals 22..26, prunes 1..21
  assert.is(r.pruned.length, 1);
  await store.annotate('web', { k: 'after' });
  const v = await store.verify('web');
  assert.ok(v.ok, JSON.stringify(v.problems));
  assert.equal([v.events, v.headSeq], [6, 27], 'the kept segment\'s five records and the active one\'s');
  assert.equal(v.problems.map((p) => [p.code, p.severity]), [['EPRUNED', 'warning']]);
  assert.match(v.problems[0].message, /before seq 22 .* from seq 22, the oldest kept segment; states from the snapshot at seq 26/);
  // A record edited inside the kept segment breaks its chain: reported, not skipped over.
  const kept = path.join(root, 'web', 'segments', '000000000022-000000000026.log');
  const bytes = fs.readFileSync(kept);
  const at = bytes.indexOf(Buffer.from([0xa1, 0x6b])); // the key "k" of the segment's first record
  bytes[at + 3] ^= 0x01; // its value, "0" → "1": the frame's checksum no longer matches
  fs.writeFileSync(kept, bytes);
  const bad = await store.verify('web');
  assert.not.ok(bad.ok);
  const errors = bad.problems.filter((p) => p.severity === 'error');
  assert.equal(errors.map((p) => [p.code, p.file]), [['ECORRUPT', kept]]);
  assert.match(errors[0].message, /^damaged record at offset \d+ \(checksum mismatch\) with valid records after it; the log is corrupt before its tail$/);
});

// Two compactions: sealed segments 1..21 and 22..26, and their paths.
async function twoSealed(store, root) {
  await store.compact('web');
  for (let i = 0; i < 5; i++) await store.annotate('web', { k: String(i) });
  await store.compact('web');
  const dir = path.join(root, 'web', 'segments');
  return { dir, first: path.join(dir, '000000000001-000000000021.log'), second: path.join(dir, '000000000022-000000000026.log') };
}

Compact('a sealed segment cut short or missing is ECORRUPT for history and replay, not EPRUNED', async ({ store, root }) => {
  const { first, second } = await twoSealed(store, root);
  const bytes = fs.readFileSync(first);
  fs.writeFileSync(first, bytes.subarray(0, bytes.length - 10));
  let record21 = 0;
  for (const op of [() => store.history('web'), () => store.replay('web', { atSeq: 25 }), () => store.history('web', { fromSeq: 21 })]) {
    try { await op(); assert.unreachable(); } catch (e) {
      assert.is(e.code, 'ECORRUPT');
      assert.match(e.message, /000000000001-000000000021\.log: damaged end of a sealed segment at offset \d+ \(incomplete record/);
      assert.ok(e.details.offset > 64 && e.details.offset < bytes.length - 10, `offset ${e.details.offset}: where record 21 starts`);
      record21 = e.details.offset;
    }
  }
  // Cut where a record ends: no damaged bytes, but fewer records than its name gives.
  fs.writeFileSync(first, bytes.subarray(0, record21));
  for (const op of [() => store.history('web'), () => store.replay('web', { atSeq: 25 })]) {
    try { await op(); assert.unreachable(); } catch (e) {
      assert.is(e.code, 'ECORRUPT');
      assert.match(e.message, `000000000001-000000000021.log ends at seq 20 (offset ${record21}) but was sealed with seqs up to 21`);
    }
  }
  // Bytes after the last record of a sealed segment are damage too.
  fs.writeFileSync(first, Buffer.concat([bytes, Buffer.from('junk after the end')]));
  try { await store.history('web'); assert.unreachable(); } catch (e) {
    assert.is(e.code, 'ECORRUPT');
    assert.match(e.message, `damaged end of a sealed segment at offset ${bytes.length}`);
  }
  fs.writeFileSync(first, bytes.subarray(0, bytes.length - 10));
  const v = await store.verify('web');
  assert.not.ok(v.ok);
  assert.equal(v.problems.filter((p) => p.severity === 'error').map((p) => [p.code, p.file]), [['ECORRUPT', first]], 'verify says the same');
  assert.match(v.problems.find((p) => p.severity === 'error').message, /^damaged end of a sealed segment \(/);
  fs.writeFileSync(first, bytes);
  fs.rmSync(second);
  try { await store.history('web'); assert.unreachable(); } catch (e) {
    assert.is(e.code, 'ECORRUPT');
    assert.match(e.message, /starts at seq 27 but the segment before it ends at seq 21: a sealed segment is missing/);
  }
  // From a seq after the missing segment, nothing is missing.
  assert.equal((await store.history('web', { fromSeq: 27 })).length, 0);
});

Compact('history without fromSeq reads on when retention prunes the oldest segment while it reads', async ({ store, root }) => {
  const { first } = await twoSealed(store, root);
  const open = fs.openSync;
  // The oldest sealed segment goes just as the read opens it, as a pruning compaction's would.
  fs.openSync = function (file, ...rest) {
    if (String(file) === first) {
      fs.openSync = open;
      fs.rmSync(first);
    }
    return open.call(this, file, ...rest);
  };
  try {
    assert.equal((await store.history('web')).map((e) => e.seq), [22, 23, 24, 25, 26]);
  } finally {
    fs.openSync = open;
  }
  try { await store.history('web', { fromSeq: 1 }); assert.unreachable(); } catch (e) { assert.is(e.code, 'EPRUNED'); }
});

Compact('verify checks that each sealed segment holds the seqs its name gives', async ({ store, root }) => {
  const { dir, first, second } = await twoSealed(store, root);
  const errorsOf = async () => (await store.verify('web')).problems.filter((p) => p.severity === 'error');
  assert.equal(await errorsOf(), []);
  // Renamed to claim more seqs than it holds: the chain into the next segment still holds.
  const claims = path.join(dir, '000000000001-000000000023.log');
  fs.renameSync(first, claims);
  let errors = await errorsOf();
  assert.equal(errors.map((p) => [p.code, p.file, p.seq]), [['ECORRUPT', claims, 1]]);
  assert.is(errors[0].message, 'sealed segment named for seqs 1..23 holds seqs 1..21');
  fs.renameSync(claims, first);
  // A first seq in the name that is not the header's.
  const shifted = path.join(dir, '000000000002-000000000021.log');
  fs.renameSync(first, shifted);
  errors = await errorsOf();
  assert.equal(errors.map((p) => [p.code, p.file]), [['ECORRUPT', shifted]]);
  assert.is(errors[0].message, 'sealed segment named for seqs 2..21 holds seqs 1..21');
  fs.renameSync(shifted, first);
  // Names swapped: readers pick segments by name, so they report it too, as damage, not as pruning.
  const swap = path.join(dir, 'swap');
  fs.renameSync(first, swap);
  fs.renameSync(second, first);
  fs.renameSync(swap, second);
  for (const op of [() => store.history('web'), () => store.history('web', { fromSeq: 1 }), () => store.replay('web', { atSeq: 12 })]) {
    try { await op(); assert.unreachable(); } catch (e) {
      assert.is(e.code, 'ECORRUPT');
      assert.match(e.message, /000000000001-000000000021\.log starts at seq 22 but is named for seqs 1\.\.21/);
    }
  }
  assert.is((await errorsOf())[0].code, 'ECORRUPT');
  fs.renameSync(first, swap);
  fs.renameSync(second, first);
  fs.renameSync(swap, second);
  // Named for fewer seqs than it holds.
  const fewer = path.join(dir, '000000000001-000000000020.log');
  fs.renameSync(first, fewer);
  try { await store.history('web'); assert.unreachable(); } catch (e) {
    assert.is(e.code, 'ECORRUPT');
    assert.match(e.message, /000000000001-000000000020\.log holds seqs up to 21 but is named for seqs 1\.\.20/);
  }
  fs.renameSync(fewer, first);
  // A sealed segment cut to its header alone is reported where it is, not at the segment after it.
  const bytes = fs.readFileSync(second);
  fs.writeFileSync(second, bytes.subarray(0, 64));
  errors = await errorsOf();
  assert.equal(errors.map((p) => [p.code, p.file]), [['ECORRUPT', second]]);
  assert.is(errors[0].message, 'sealed segment named for seqs 22..26 holds no record');
  fs.writeFileSync(second, bytes);
  assert.ok((await store.verify('web')).ok);
});

Compact('a damaged or missing snapshot is reported, not skipped', async ({ store, root }) => {
  await store.compact('web');
  const dir = path.join(root, 'web');
  const snap = path.join(dir, 'snapshot-000000000021.bin');
  const bytes = fs.readFileSync(snap);
  bytes[bytes.length - 3] ^= 0xff;
  fs.writeFileSync(snap, bytes);
  fs.rmSync(path.join(dir, 'meta.json'));
  const s = await reopen(root);
  try { await s.state('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ECORRUPT'); }
  fs.rmSync(snap);
  try { await s.state('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ECORRUPT'); assert.match(e.message, /missing/); }
  assert.not.ok((await s.verify('web')).ok);
  await s.close();
});

Compact('an interrupted compaction (crash after sealing and snapshot) leaves a loadable container', async ({ store, root }) => {
  const dir = path.join(root, 'web');
  // Simulate steps 1-2 done, step 3 not: a sealed link of the active file and a snapshot, old segment still active.
  fs.mkdirSync(path.join(dir, 'segments'));
  fs.linkSync(path.join(dir, 'events.log'), path.join(dir, 'segments', '000000000001-000000000021.log'));
  fs.writeFileSync(path.join(dir, 'snapshot-000000000021.bin'), 'whatever');
  const s = await reopen(root);
  assert.is((await s.annotate('web', { after: 'crash' })).seq, 22);
  assert.equal((await s.history('web')).length, 22);
  const r = await s.compact('web');
  assert.is(r.seq, 22);
  assert.equal(fs.readdirSync(path.join(dir, 'segments')), ['000000000001-000000000022.log']);
  assert.ok((await s.verify('web')).ok);
  await s.close();
});

Compact('compacting a container with no new events is a no-op for segments', async ({ store, root }) => {
  await store.compact('web');
  const r = await store.compact('web');
  assert.is(r.sealed, null);
  assert.is(fs.readdirSync(path.join(root, 'web', 'segments')).length, 1);
});

Compact('another process that cached the old segment catches up after compaction', async ({ store, root }) => {
  const other = await reopen(root);
  await other.annotate('web', { from: 'other' });
  await store.compact('web');
  assert.is((await other.annotate('web', { from: 'other2' })).seq, 23);
  assert.is((await store.state('web')).annotations.from, 'other2');
  await other.close();
});

Compact('reads racing compactions that prune: each works or is EPRUNED for a point really pruned, never a raw error', async ({ store, root }) => {
  const { fork } = await import('node:child_process');
  const { fixture } = await import('../helpers/procs.js');
  const loop = fork(fixture('compact-loop.js'), [root, 'web', '1500']);
  const done = new Promise((resolve, reject) => {
    loop.once('message', resolve);
    loop.once('exit', (code) => reject(new Error(`the compaction loop exited with ${code}`)));
  });
  let finished = false;
  done.finally(() => { finished = true; }).catch(() => {});
  const seen = { replayed: 0, history: 0, pruned: 0 };
  while (!finished) {
    await new Promise((r) => setImmediate(r)); // reads complete without I/O callbacks: let the child's message in
    const { seq } = await store.state('web');
    try {
      assert.is((await store.replay('web', { atSeq: seq })).seq, seq);
      seen.replayed++;
    } catch (e) {
      assert.is(e.code, 'EPRUNED', `${e.code}: ${e.message}`);
      assert.ok(e.details.earliestSeq > seq, e.message); // compactions went past it since the read
      seen.pruned++;
    }
    try {
      await store.history('web', { fromSeq: seq });
      seen.history++;
    } catch (e) {
      assert.is(e.code, 'EPRUNED', `${e.code}: ${e.message}`);
      seen.pruned++;
    }
  }
  const { compactions } = await done;
  assert.ok(compactions > 20 && seen.replayed > 20, JSON.stringify({ compactions, ...seen }));
});

Compact('a container deleted and created again while its segments are read: one container is read, never a mix', async ({ store, root }) => {
  const os = await import('node:os');
  // Two containers of the id "web", each with sealed segments: the store's (A), and B in another root.
  await store.compact('web');
  await store.annotate('web', { in: 'A' });
  const rootB = fs.mkdtempSync(path.join(os.tmpdir(), 'runstate-b-'));
  const b = await openStore({ root: rootB, durability: 'none' });
  await b.create('web');
  for (let i = 0; i < 30; i++) await b.annotate('web', { in: 'B', i: String(i) });
  await b.compact('web');
  await b.annotate('web', { in: 'B', last: 'yes' });
  const historyB = await b.history('web');
  await b.close();
  // The swap happens right as a read lists the segments of "web": A moves aside, B takes its place.
  const listSegmentsOf = path.join(root, 'web', 'segments');
  const readdir = fs.readdirSync;
  let swaps = 0;
  const swapOnce = () => {
    fs.readdirSync = function (p, ...rest) {
      if (p === listSegmentsOf && swaps === 0) {
        swaps++;
        fs.renameSync(path.join(root, 'web'), path.join(root, 'web.A'));
        fs.renameSync(path.join(rootB, 'web'), path.join(root, 'web'));
      }
      return readdir.call(this, p, ...rest);
    };
  };
  const swapBack = () => {
    fs.renameSync(path.join(root, 'web'), path.join(rootB, 'web'));
    fs.renameSync(path.join(root, 'web.A'), path.join(root, 'web'));
    swaps = 0;
  };
  try {
    swapOnce();
    assert.equal(await store.history('web'), historyB, 'history: all of B');
    assert.is(swaps, 1);
    swapBack();
    assert.equal((await store.replay('web', { atSeq: 3 })).annotations.in, 'B', 'replay: B, from its own segments');
    swapBack();
    const seen = [];
    const done = new Promise((resolve, reject) => store.watch('web', { pollMs: 10 }).subscribe({ next: (e) => seen.push(e), error: reject, complete: resolve }));
    await new Promise((r) => setTimeout(r, 50));
    assert.is(swaps, 1);
    fs.readdirSync = readdir;
    const other = await openStore({ root, durability: 'none' });
    await other.delete('web', { force: true });
    await other.close();
    await done;
    assert.equal(seen.slice(0, -1), historyB, 'watch: all of B, then its delete');
    assert.is(seen.at(-1).type, 'deleted');
    assert.equal(seen.map((e) => e.seq), seen.map((_, i) => i + 1));
  } finally {
    fs.readdirSync = readdir;
    fs.rmSync(rootB, { recursive: true, force: true });
  }
});

Compact('replay checks the snapshot it starts from: its seq and the chain into the next segment; a gap after a kept segment is damage', async ({ store, root }) => {
  await store.compact('web'); // seals 1..21, snapshot at 21
  for (let i = 0; i < 3; i++) await store.annotate('web', { k: String(i) });
  await store.compact('web'); // seals 22..24, snapshot at 24
  await store.annotate('web', { k: 'last' });
  const snap = path.join(root, 'web', 'snapshot-000000000024.bin');
  const good = fs.readFileSync(snap);
  const { decodeSnapshot, encodeSnapshot } = await import('../../dist/events/snapshot.js');
  const s = decodeSnapshot(good, snap);
  fs.writeFileSync(snap, encodeSnapshot({ ...s, seq: 23 })); // its checksum is right, its seq is not its name's
  try { await store.replay('web', { atSeq: 25 }); assert.unreachable(); } catch (e) { assert.is(e.code, 'ECORRUPT'); assert.match(e.message, 'not at the seq its name gives'); }
  fs.writeFileSync(snap, encodeSnapshot({ ...s, hash: Buffer.alloc(16, 7) })); // does not chain into events.log
  try { await store.replay('web', { atSeq: 25 }); assert.unreachable(); } catch (e) { assert.is(e.code, 'ECORRUPT'); assert.match(e.message, 'does not chain on from the snapshot at seq 24'); }
  fs.writeFileSync(snap, good);
  assert.is((await store.replay('web', { atSeq: 25 })).annotations.k, 'last');
  // The segment 22..24 lost, 1..21 kept: reading from 23 meets a gap after a kept segment.
  fs.rmSync(path.join(root, 'web', 'segments', '000000000022-000000000024.log'));
  try { await store.history('web', { fromSeq: 23 }); assert.unreachable(); } catch (e) {
    assert.is(e.code, 'ECORRUPT');
    assert.match(e.message, 'starts at seq 25 but the segment before it ends at seq 21: a sealed segment is missing');
  }
});

Compact.run();
