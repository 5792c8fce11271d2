import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { encodeHeader, FORMAT_VERSION, HEADER_SIZE } from '../../dist/events/header.js';
import { encodeFrame } from '../../dist/events/frame.js';
import { decodeRecord, encodeRecord, toStoredEvent, RECORD_VERSION } from '../../dist/events/record.js';
import { recordHash, ZERO_HASH } from '../../dist/events/hash.js';
import { openLog } from '../../dist/events/log.js';
import { evolve } from '../../dist/projection/evolve.js';
import { foldFrom, segmentBase } from '../../dist/projection/head.js';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore } from '../helpers/store.js';

// Scanners read a log 1 MiB at a time: these annotations put records across those boundaries.
const BIG = 60000;

// A whole lifecycle, with big records in the middle; `at` varies so each time is its own.
function lifecycle() {
  const events = [
    { type: 'created', data: { id: 'web', bundle: '/srv/web', annotations: { keep: 'yes', drop: 'soon' }, command: ['sh'] } },
    { type: 'started', data: { pid: 42, pidStart: 9001 } },
  ];
  for (let i = 0; i < 40; i++) events.push({ type: 'annotated', data: { annotations: { [`k${i % 3}`]: String(i).repeat(BIG / 2) } } });
  events.push(
    { type: 'annotated', data: { annotations: { drop: null } } },
    { type: 'paused', data: {} },
    { type: 'resumed', data: {} },
    { type: 'killed', data: { signal: 'SIGTERM' } },
    { type: 'exited', data: { signal: 'SIGTERM' } },
    { type: 'deleted', data: {} },
  );
  return events.map((e, i) => ({ ...e, seq: i + 1, at: 1700000000000 + i * 1001 }));
}

// Write a log segment holding `events`; returns its file and each record's [start, end) and payload.
function writeLog(dir, events) {
  const file = path.join(dir, 'events.log');
  const parts = [encodeHeader({ version: FORMAT_VERSION, firstSeq: 1, prevHash: ZERO_HASH, logId: '0123456789abcdef' })];
  const records = [];
  let offset = HEADER_SIZE;
  let prev = ZERO_HASH;
  for (const e of events) {
    const payload = encodeRecord({ v: RECORD_VERSION, seq: e.seq, type: e.type, at: e.at, actor: { pid: 1, uid: 0 }, data: e.data, prev });
    const frame = encodeFrame(payload);
    records.push({ start: offset, end: offset + frame.length, payload });
    parts.push(frame);
    offset += frame.length;
    prev = recordHash(payload);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  return { file, records };
}

// The reference: each record decoded whole and folded with the pure evolve.
const replayed = (records, upTo) => records.slice(0, upTo).reduce((s, r) => evolve(s, toStoredEvent(decodeRecord(r.payload, 'f', r.start))), null);

const Fold = suite('fold');
Fold.before.each((ctx) => {
  ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runstate-fold-'));
});
Fold.after.each((ctx) => fs.rmSync(ctx.dir, { recursive: true, force: true }));

Fold('a fold equals evolve over the records, across read-chunk boundaries', ({ dir }) => {
  const { file, records } = writeLog(dir, lifecycle());
  assert.ok(fs.statSync(file).size > 2 * (1 << 20), 'the log spans several read chunks');
  const log = openLog(file, false);
  try {
    const head = foldFrom(log, segmentBase(log, null));
    const last = records.at(-1);
    assert.equal(head.state, replayed(records));
    assert.is(head.state.deleted, new Date(1700000000000 + (records.length - 1) * 1001).toISOString());
    assert.equal(head.pos, { logId: '0123456789abcdef', seq: records.length, headStart: last.start, offset: last.end, headHash: recordHash(last.payload).toString('hex') });
    assert.is(head.tail, null);
  } finally {
    fs.closeSync(log.fd);
  }
});

Fold('a fold resumed from any record equals a fold from the start', ({ dir }) => {
  const { file, records } = writeLog(dir, lifecycle());
  const log = openLog(file, false);
  try {
    const whole = replayed(records);
    for (const k of [1, 2, 17, 30, records.length - 1, records.length]) {
      const r = records[k - 1];
      const pos = { logId: '0123456789abcdef', seq: k, headStart: r.start, offset: r.end, headHash: recordHash(r.payload).toString('hex') };
      const base = replayed(records, k);
      const head = foldFrom(log, { state: base, pos });
      assert.equal(head.state, whole, `from seq ${k}`);
      assert.equal(base, replayed(records, k), 'the base is not changed');
    }
  } finally {
    fs.closeSync(log.fd);
  }
});

Fold.run();

// ---

const Replay = suite('replay of a long log');
Replay.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Replay.after.each(dropStore);

Replay('replay, state and history agree on a log larger than a read chunk', async ({ store, root }) => {
  await store.create('web', { annotations: { a: '1' } });
  for (let i = 0; i < 30; i++) await store.annotate('web', { [`k${i % 4}`]: `${i}`.repeat(BIG / 2) });
  await store.start('web', { pid: 0 });
  fs.rmSync(path.join(root, 'web', 'meta.json'), { force: true });
  const fresh = await openStore({ root, durability: 'none' });
  try {
    const history = await fresh.history('web');
    const state = await fresh.state('web');
    assert.is(state.seq, 32);
    assert.equal(await fresh.replay('web', { atSeq: 32 }), state);
    assert.equal(state, history.reduce(evolve, null));
    assert.equal(await fresh.replay('web', { atSeq: 20 }), history.slice(0, 20).reduce(evolve, null));
  } finally {
    await fresh.close();
  }
});

Replay.run();
