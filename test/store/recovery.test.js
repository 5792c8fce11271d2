import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore, logPath, logEnd } from '../helpers/store.js';

// A container with a few events; returns the log bytes and the offset where the last record starts.
async function build(store, root) {
  await store.create('web', { annotations: { a: '1' } });
  await store.start('web', { pid: 10 });
  await store.pause('web');
  const before = fs.statSync(logPath(root, 'web')).size;
  await store.resume('web');
  return { bytes: fs.readFileSync(logPath(root, 'web')), lastStart: before };
}

// A new store instance, so no in-memory head hides what is on disk.
const reopen = (root) => openStore({ root, durability: 'none' });

const Torn = suite('torn tail');
Torn.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Torn.after.each(dropStore);

Torn('cut at every byte of the last record: readers see the prefix, the next writer truncates', async ({ store, root }) => {
  const { bytes, lastStart } = await build(store, root);
  const file = logPath(root, 'web');
  for (let cut = lastStart; cut < bytes.length; cut++) {
    fs.writeFileSync(file, bytes.subarray(0, cut));
    fs.rmSync(path.join(root, 'web', 'meta.json'), { force: true });
    const s = await reopen(root);
    const st = await s.state('web');
    assert.equal([st.seq, st.status], [3, 'paused'], `cut at ${cut}`);
    if (cut > lastStart) {
      const v = await s.verify('web');
      assert.ok(v.ok, `verify ok with a torn tail at ${cut}`);
      assert.is(v.problems.find((p) => p.code === 'ETORN')?.offset, lastStart);
    }
    await s.close();
  }
  // The next writer cuts the tail and appends after the last valid record. The torn record is
  // longer than the one appended, so that one cannot hide an uncut tail by overwriting all of it.
  fs.writeFileSync(file, bytes);
  let s = await reopen(root);
  await s.annotate('web', { big: 'x'.repeat(2000) });
  await s.close();
  const torn = fs.readFileSync(file).subarray(0, -3);
  fs.writeFileSync(file, torn);
  fs.rmSync(path.join(root, 'web', 'meta.json'), { force: true });
  s = await reopen(root);
  const st = await s.pause('web');
  assert.is(st.seq, 5);
  assert.equal(st.annotations, { a: '1' });
  const { end, tail, size } = await logEnd(root, 'web');
  assert.ok(end < torn.length, 'the new record ends before the torn one did');
  assert.is(tail, null);
  assert.is(size, end, 'the file ends where the new record does');
  assert.equal((await s.history('web')).map((e) => e.seq), [1, 2, 3, 4, 5]);
  const v = await s.verify('web');
  assert.ok(v.ok);
  assert.is(v.problems.length, 0, JSON.stringify(v.problems));
  await s.close();
  const r = await reopen(root);
  assert.equal((await r.history('web')).map((e) => e.seq), [1, 2, 3, 4, 5]);
  assert.is((await r.verify('web')).problems.length, 0);
  await r.close();
});

Torn('a zero-filled tail is a torn tail', async ({ store, root }) => {
  const { bytes } = await build(store, root);
  fs.writeFileSync(logPath(root, 'web'), Buffer.concat([bytes, Buffer.alloc(4096)]));
  const s = await reopen(root);
  assert.is((await s.state('web')).seq, 4);
  assert.is((await s.annotate('web', { b: '2' })).seq, 5);
  assert.is(fs.statSync(logPath(root, 'web')).size < bytes.length + 200, true);
  assert.ok((await s.verify('web')).ok);
  await s.close();
});

Torn('a zero-filled hole followed by records (an OS crash before write-back) is a torn tail', async ({ store, root }) => {
  const { bytes, lastStart } = await build(store, root);
  const file = logPath(root, 'web');
  // Record 4 lost to a zero-filled region, then valid-looking records after it.
  const rest = bytes.subarray(lastStart);
  fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, lastStart), Buffer.alloc(4096), rest, rest]));
  const s = await reopen(root);
  assert.is((await s.state('web')).seq, 3);
  const v = await s.verify('web');
  assert.ok(v.ok);
  assert.is(v.problems[0].code, 'ETORN');
  assert.is((await s.resume('web')).seq, 4);
  assert.equal((await s.history('web')).map((e) => e.seq), [1, 2, 3, 4]);
  assert.ok(fs.statSync(file).size < bytes.length + 4096, 'the hole and what followed it were cut');
  assert.ok((await s.verify('web')).ok);
  await s.close();
});

Torn.run();

// ---

const Corrupt = suite('mid-log corruption');
Corrupt.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Corrupt.after.each(dropStore);

Corrupt('a flipped byte before the tail is ECORRUPT naming file and offset, for readers and writers', async ({ store, root }) => {
  const { bytes } = await build(store, root);
  const file = logPath(root, 'web');
  const secondRecord = 64 + 8 + bytes.readUInt32LE(64);
  for (const at of [secondRecord + 2, secondRecord + 12, secondRecord]) {
    const bad = Buffer.from(bytes);
    bad[at] ^= 0x10;
    fs.writeFileSync(file, bad);
    fs.rmSync(path.join(root, 'web', 'meta.json'), { force: true });
    const s = await reopen(root);
    try { await s.state('web'); assert.unreachable(); } catch (e) {
      assert.is(e.code, 'ECORRUPT', `flip at ${at}`);
      assert.is(e.details.offset, secondRecord);
      assert.ok(e.message.includes(file));
    }
    try { await s.annotate('web', { x: '1' }); assert.unreachable(); } catch (e) { assert.is(e.code, 'ECORRUPT'); }
    const v = await s.verify('web');
    assert.not.ok(v.ok);
    assert.is(v.problems[0].code, 'ECORRUPT');
    assert.is(v.problems[0].offset, secondRecord);
    // Nothing was written over the damage.
    assert.ok(fs.readFileSync(file).equals(bad));
    await s.close();
  }
});

Corrupt('in a long log, read a megabyte at a time, the first flipped byte is ECORRUPT at its record', async ({ store, root }) => {
  // Readers check the frames of a large read all at once, and each frame alone only when that fails.
  await store.create('web', {});
  for (let i = 0; i < 12000; i++) await store.annotate('web', { k: String(i), other: i % 7 ? 'x'.repeat(i % 40) : null });
  const file = logPath(root, 'web');
  const bytes = fs.readFileSync(file);
  assert.ok(bytes.length > 1.2 * (1 << 20), `the log spans reads (${bytes.length} bytes)`);
  const starts = [];
  for (let at = 64; at < bytes.length; at += 8 + bytes.readUInt32LE(at)) starts.push(at);
  const firstAfter = (offset) => starts.find((s) => s > offset);
  // Deep in the first read, at the record across its end, in the second read, and two records of one read.
  const cases = [[firstAfter(400_000) + 20], [firstAfter((1 << 20) - 60) - 30], [firstAfter(1_100_000) + 9], [firstAfter(200_000) + 5, firstAfter(600_000) + 5]];
  for (const flips of cases) {
    const bad = Buffer.from(bytes);
    for (const at of flips) bad[at] ^= 0x04;
    const record = starts.filter((s) => s <= flips[0]).at(-1);
    fs.writeFileSync(file, bad);
    fs.rmSync(path.join(root, 'web', 'meta.json'), { force: true });
    const s = await reopen(root);
    try { await s.state('web'); assert.unreachable(); } catch (e) {
      assert.is(e.code, 'ECORRUPT', `flip at ${flips}`);
      assert.is(e.details.offset, record, `flip at ${flips}`);
    }
    const v = await s.verify('web');
    assert.is(v.problems[0].offset, record);
    await s.close();
  }
  fs.writeFileSync(file, bytes);
  const s = await reopen(root);
  assert.is((await s.state('web')).seq, 12001, 'the log as written reads whole');
  assert.ok((await s.verify('web')).ok);
  await s.close();
});

Corrupt('an edited record with a fixed-up checksum breaks the hash chain (verify)', async ({ store, root }) => {
  await build(store, root);
  const { encodeFrame } = await import('../../dist/events/frame.js');
  const { encodeRecord } = await import('../../dist/events/record.js');
  const { decodeRecord } = await import('../../dist/events/record.js');
  const file = logPath(root, 'web');
  const bytes = fs.readFileSync(file);
  const len1 = bytes.readUInt32LE(64);
  const at = 64 + 8 + len1;
  const len2 = bytes.readUInt32LE(at);
  const rec = decodeRecord(bytes.subarray(at + 8, at + 8 + len2), file, at);
  rec.data = { pid: 11, pidStart: 0 };
  const forged = encodeFrame(encodeRecord(rec));
  fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, at), forged, bytes.subarray(at + 8 + len2)]));
  const v = await store.verify('web');
  assert.not.ok(v.ok);
  assert.ok(v.problems.some((p) => p.code === 'ECORRUPT' && /hash chain/.test(p.message) && p.seq === 3), JSON.stringify(v.problems));
});

Corrupt('a record with a time no Date holds is ECORRUPT for every reader, not a RangeError', async ({ store, root }) => {
  await build(store, root);
  const { encodeFrame } = await import('../../dist/events/frame.js');
  const { encodeRecord, decodeRecord } = await import('../../dist/events/record.js');
  const file = logPath(root, 'web');
  const bytes = fs.readFileSync(file);
  const at = 64 + 8 + bytes.readUInt32LE(64);
  const len2 = bytes.readUInt32LE(at);
  const rec = decodeRecord(bytes.subarray(at + 8, at + 8 + len2), file, at);
  rec.at = 1e20; // a valid frame (the checksum is made for it), an impossible time
  fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, at), encodeFrame(encodeRecord(rec)), bytes.subarray(at + 8 + len2)]));
  fs.rmSync(path.join(root, 'web', 'meta.json'));
  const s = await reopen(root);
  try {
    for (const read of [() => s.state('web'), () => s.history('web'), () => s.replay('web', { atSeq: 4 }), () => s.pause('web')]) {
      try { await read(); assert.unreachable(); } catch (e) {
        assert.is(e.code, 'ECORRUPT', e.stack);
        assert.match(e.message, /impossible time/);
        assert.is(e.details.offset, at);
      }
    }
    const v = await s.verify('web');
    assert.not.ok(v.ok);
    assert.ok(v.problems.some((p) => p.code === 'ECORRUPT' && /impossible time/.test(p.message)), JSON.stringify(v.problems));
  } finally {
    await s.close();
  }
});

Corrupt('bad bytes, neither records nor zeros, for more than 8 MiB after the last record: ECORRUPT that says so', async ({ store, root }) => {
  await build(store, root);
  const file = logPath(root, 'web');
  const size = fs.statSync(file).size;
  fs.appendFileSync(file, Buffer.alloc((8 << 20) + 4096, 0xaa));
  fs.rmSync(path.join(root, 'web', 'meta.json'));
  const s = await reopen(root);
  try { await s.state('web'); assert.unreachable(); } catch (e) {
    assert.is(e.code, 'ECORRUPT');
    assert.is(e.details.offset, size);
    assert.match(e.message, /followed by more than 8 MiB of bytes that are neither records nor zeros/);
  }
  // Within the window it is a damaged last record, a torn tail the next writer cuts off.
  fs.truncateSync(file, size + 4096);
  assert.is((await s.annotate('web', { after: 'cut' })).seq, 5);
  assert.is(fs.statSync(file).size > size && fs.statSync(file).size < size + 4096, true);
  await s.close();
});

Corrupt('a removed record is a seq gap (ECORRUPT)', async ({ store, root }) => {
  await build(store, root);
  const file = logPath(root, 'web');
  const bytes = fs.readFileSync(file);
  const at = 64 + 8 + bytes.readUInt32LE(64);
  const end2 = at + 8 + bytes.readUInt32LE(at);
  fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, at), bytes.subarray(end2)]));
  fs.rmSync(path.join(root, 'web', 'meta.json'));
  const s = await reopen(root);
  try { await s.state('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ECORRUPT'); assert.match(e.message, /expected 2/); }
  await s.close();
});

Corrupt('an unknown log version is EFORMAT', async ({ store, root }) => {
  await build(store, root);
  const { crc32 } = await import('node:zlib');
  const file = logPath(root, 'web');
  const bytes = fs.readFileSync(file);
  bytes.writeUInt32LE(7, 8);
  bytes.writeUInt32LE(crc32(bytes.subarray(0, 60)), 60);
  fs.writeFileSync(file, bytes);
  try { await store.state('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EFORMAT'); assert.match(e.message, /version 7/); }
  // A writer that opens the log now (another process, or this one after a restart) refuses it too.
  const other = await reopen(root);
  try { await other.pause('web'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EFORMAT'); }
  await other.close();
  assert.ok(fs.readFileSync(file).equals(bytes));
});

Corrupt.run();

// ---

const Meta = suite('meta.json is a cache');
Meta.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore({ projection: 'eager' }));
  await build(ctx.store, ctx.root);
  ctx.meta = path.join(ctx.root, 'web', 'meta.json');
  ctx.expected = await ctx.store.state('web');
});
Meta.after.each(dropStore);

Meta('missing', async ({ root, meta, expected }) => {
  fs.rmSync(meta);
  const s = await reopen(root);
  assert.equal(await s.state('web'), expected);
  assert.is((await s.annotate('web', { k: 'v' })).seq, 5);
  await s.close();
});

Meta('garbled', async ({ root, meta, expected }) => {
  fs.writeFileSync(meta, '{"status": "running", "seq": 4, trunc');
  const s = await reopen(root);
  assert.equal(await s.state('web'), expected);
  await s.close();
});

Meta('a directory in its place: transitions and compaction go on, readers fold from the log or the snapshot', async ({ root, meta, expected }) => {
  fs.rmSync(meta);
  fs.mkdirSync(meta);
  const s = await reopen(root);
  assert.equal(await s.state('web'), expected);
  assert.is((await s.pause('web')).seq, 5);
  const r = await s.compact('web');
  assert.ok(r.sealed.endsWith('000000000001-000000000005.log'));
  assert.is((await s.resume('web')).seq, 6);
  await s.close();
  const fresh = await reopen(root);
  assert.equal([(await fresh.state('web')).seq, (await fresh.state('web')).status], [6, 'running']);
  assert.ok((await fresh.verify('web')).ok);
  await fresh.close();
});

Meta('a log cut inside its first record holds no state: ECORRUPT for state and replay, an error for verify', async ({ root }) => {
  const file = logPath(root, 'web');
  fs.truncateSync(file, 80); // the header (64 bytes) and a piece of the created record
  const s = await reopen(root);
  for (const op of [() => s.state('web'), () => s.replay('web', { atSeq: 1 })]) {
    try { await op(); assert.unreachable(op.toString()); } catch (e) { assert.is(e.code, 'ECORRUPT', `${op}: ${e.message}`); assert.match(e.message, 'no created'); }
  }
  const v = await s.verify('web');
  assert.not.ok(v.ok);
  assert.ok(v.problems.some((p) => p.code === 'ECORRUPT' && /no created record/.test(p.message)), JSON.stringify(v.problems));
  await s.close();
});

Meta('stale (behind the log)', async ({ store, root, meta }) => {
  const old = fs.readFileSync(meta);
  await store.pause('web');
  await store.annotate('web', { z: '1' });
  fs.writeFileSync(meta, old);
  const s = await reopen(root);
  const st = await s.state('web');
  assert.equal([st.seq, st.status, st.annotations.z], [6, 'paused', '1']);
  await s.close();
});

Meta('ahead of the log (durability none, then a crash)', async ({ root, meta, expected }) => {
  const m = JSON.parse(fs.readFileSync(meta, 'utf8'));
  const file = logPath(root, 'web');
  // The log lost its last record but meta.json kept it.
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, m.headStart));
  const s = await reopen(root);
  const st = await s.state('web');
  assert.equal([st.seq, st.status], [3, 'paused']);
  assert.is(expected.seq, 4);
  assert.is((await s.resume('web')).seq, 4);
  await s.close();
});

// meta.json's checksum, computed as docs/format.md gives it, with zlib's CRC rather than the library's.
function withChecksum(m) {
  const { checksum: _old, ...rest } = m;
  return { ...rest, checksum: zlib.crc32(JSON.stringify(rest)).toString(16).padStart(8, '0') };
}

Meta('damaged in place: a flipped bit that leaves valid JSON and a valid position is caught by the checksum', async ({ root, meta, expected }) => {
  const text = fs.readFileSync(meta, 'utf8');
  assert.is(JSON.parse(text).checksum, withChecksum(JSON.parse(text)).checksum, 'the documented checksum');
  for (const [from, to] of [['"running"', '"runnkng"'], ['"created": "', '"created": "/'], ['"pid": 10', '"pid": 11']]) {
    assert.ok(text.includes(from), from);
    fs.writeFileSync(meta, text.replace(from, to));
    const s = await reopen(root);
    assert.equal(await s.state('web'), expected, to);
    await s.close();
    const v = await (await reopen(root)).verify('web');
    assert.ok(v.ok, 'an unusable meta.json is a warning');
    assert.match(v.problems[0].message, /unreadable or not a runstate projection/);
  }
  // The next write repairs it, and a transition decides from the log's state.
  const s = await reopen(root);
  assert.is((await s.pause('web')).status, 'paused');
  await s.close();
});

Meta('lying (right position and checksum, wrong state) is caught by verify; a wrong position makes readers rebuild', async ({ root, meta, store }) => {
  const original = fs.readFileSync(meta, 'utf8');
  const m = JSON.parse(original);
  fs.writeFileSync(meta, JSON.stringify(withChecksum({ ...m, headHash: '00'.repeat(16), status: 'stopped' })));
  const s = await reopen(root);
  assert.is((await s.state('web')).status, 'running');
  await s.close();
  const unused = await store.verify('web');
  assert.ok(unused.ok, 'a meta.json readers do not use is a warning');
  assert.equal(unused.problems.map((p) => [p.code, p.severity]), [['EMETA', 'warning']]);
  assert.match(unused.problems[0].message, /headHash is not the hash of record 4/);
  fs.writeFileSync(meta, JSON.stringify(withChecksum({ ...m, annotations: { forged: 'yes' } })));
  const v = await store.verify('web');
  assert.not.ok(v.ok);
  assert.is(v.problems[0].code, 'EMETA');
  assert.is(v.problems[0].severity, 'error');
});

Meta('lazy mode refreshes meta.json at every multiple of projectionLag, never lagging by more', async ({ root }) => {
  const metaSeq = () => JSON.parse(fs.readFileSync(path.join(root, 'web', 'meta.json'), 'utf8')).seq;
  const start = metaSeq();
  const seen = [];
  for (let i = 0; i < 20; i++) {
    // A store per call, as separate processes would be: the bound is the seq's, not the writer's.
    const s = await openStore({ root, durability: 'none', projectionLag: 8 });
    const { seq } = await s.annotate('web', { i: String(i) });
    await s.close(); // the rename over meta.json finishes in the background; close waits for it
    seen.push([seq, metaSeq()]);
  }
  assert.is(start, 4, 'build() left an eager meta.json at its last seq');
  for (const [seq, meta] of seen) {
    assert.ok(seq - meta < 8, `meta.json at ${meta} lags seq ${seq} by less than the bound`);
    assert.is(meta, seq < 8 ? start : Math.floor(seq / 8) * 8, `seq ${seq}`);
  }
});

Meta('back-to-back transitions that never let the event loop run still keep meta.json within bounds', async ({ root }) => {
  const metaSeq = () => JSON.parse(fs.readFileSync(path.join(root, 'web', 'meta.json'), 'utf8')).seq;
  const s = await openStore({ root, durability: 'none', projectionLag: 8 });
  // Uncontended, every call completes without waiting for I/O, so this loop runs as one chain of
  // microtasks: the background refresh begun at seq 8 cannot finish until it ends.
  const lags = [];
  let seq = 0;
  for (let i = 0; i < 400; i++) {
    ({ seq } = await s.annotate('web', { i: String(i) }));
    lags.push(seq - metaSeq());
  }
  const worst = Math.max(...lags);
  assert.ok(worst <= 2 * 8 + 8, `meta.json lagged by at most 2 bounds plus one while starved (worst ${worst})`);
  assert.ok(lags.at(-1) <= 2 * 8 + 8, 'and still does at the end of the loop');
  await s.close();
  // The rename left in flight found a newer meta.json and did not put its older one back, and close
  // brought meta.json up to the last write, so the next reader folds less than a bound.
  assert.ok(seq - metaSeq() < 8, `after close, meta.json (${metaSeq()}) is within a bound of seq ${seq}`);
  const tmps = fs.readdirSync(path.join(root, 'web')).filter((f) => f.endsWith('.tmp'));
  assert.equal(tmps, [], 'no temp file is left behind');
  const v = await reopen(root).then((r) => r.verify('web'));
  assert.ok(v.ok, 'verify agrees with the refreshed projection');
});

Meta.run();
