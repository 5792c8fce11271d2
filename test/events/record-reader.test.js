import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { Packr } from 'msgpackr';
import { readRecordFast, readFoldedRecordFast } from '../../dist/events/record-reader.js';
import { decodeRecord, encodeRecord, RECORD_VERSION } from '../../dist/events/record.js';

// The reference: what msgpackr decodes, as runstate's reader did before the fast path.
const msgpackr = new Packr({ useRecords: false, mapsAsObjects: true });
const prev = Buffer.alloc(16, 0xab);
const record = (over = {}) => ({ v: RECORD_VERSION, seq: 7, type: 'paused', at: 1700000000123.5, actor: { pid: 4242, uid: 1000 }, data: {}, prev, ...over });

// The records a log holds: every event type, as the store writes them.
const TYPICAL = [
  record({ type: 'created', data: { id: 'web', bundle: '/srv/web', annotations: { team: 'a', 'x.y/z': 'some longer value, with spaces' } } }),
  record({ type: 'created', data: { id: 'job', bundle: '', annotations: {}, command: ['sh', '-c', 'sleep 1'], pid: 0, pidStart: 0 } }),
  record({ type: 'started', seq: 128, data: { pid: 65536, pidStart: 4294967295 } }),
  record({ type: 'paused', seq: 65536 }),
  record({ type: 'resumed', seq: 4294967295 }),
  record({ type: 'killed', data: { signal: 'SIGTERM' } }),
  record({ type: 'exited', data: { code: 137, signal: 'SIGKILL' } }),
  record({ type: 'exited', data: { code: -1 } }),
  record({ type: 'annotated', at: 1700000000000, data: { annotations: { k: '123456', gone: null } } }),
  record({ type: 'deleted', data: { force: true } }),
  record({ type: 'deleted', actor: { pid: 1, uid: 0 } }),
];

// Records the fast path may give up on; wherever it does not, it must agree with msgpackr.
const UNUSUAL = [
  record({ data: { s: 'ünïcödé ✓', n: -129, m: -32769, i: -2147483649, big: 2 ** 53 - 1, f: 0.1, neg: -0.5 } }),
  record({ data: { long: 'x'.repeat(40), longer: 'y'.repeat(300), huge: 'z'.repeat(70000) } }),
  record({ data: { arr: [1, [2, [3, {}]], 'a', null, true, false], bin: Buffer.from([1, 2, 3]) } }),
  record({ data: { ['__proto__']: 'p', ['k'.repeat(40)]: 1 } }),
  record({ data: new Map([[1, 'numeric key']]) }),
  record({ data: { when: new Date(0) } }),
  record({ extra: 'unknown key' }),
  record({ prev: Buffer.alloc(8) }),
  record({ prev: 'not a hash' }),
  record({ seq: '7' }),
  record({ type: 'teleported' }),
  record({ v: 2 }),
  record({ actor: 'nobody' }),
  record({ actor: { pid: 2 ** 40, uid: -1, name: 'ü' } }),
  { seq: 1, type: 'paused' },
  { prev, data: {}, actor: {}, at: 1, type: 'paused', seq: 1, v: 1 },
  [1, 2, 3],
  'a string',
  null,
];

// Fields a fold reads.
const folded = ({ v, seq, type, at, data }) => ({ v, seq, type, at, data });

// The same value as msgpackr writes it by default, with fixmaps, and with float32s.
function encodings(value) {
  return [msgpackr, new Packr({ useRecords: false, variableMapSize: true }), new Packr({ useRecords: false, useFloat32: 1 })]
    .map((p) => p.pack(value));
}

const Reader = suite('fast record reader');

Reader('reads every typical record, equal to msgpackr', () => {
  for (const rec of TYPICAL) {
    for (const payload of [encodeRecord(rec), ...encodings(rec)]) {
      const fast = readRecordFast(payload, 0, payload.length);
      assert.ok(fast !== null, `fast path taken for ${rec.type}`);
      assert.equal(fast, msgpackr.unpack(payload));
      assert.ok(Buffer.isBuffer(fast.prev));
      assert.equal(readFoldedRecordFast(payload, 0, payload.length), folded(msgpackr.unpack(payload)));
    }
  }
});

Reader('reads a payload in the middle of a larger buffer', () => {
  const payload = encodeRecord(TYPICAL[0]);
  const buf = Buffer.concat([Buffer.alloc(5, 0xc1), payload, Buffer.alloc(7, 0xc1)]);
  assert.equal(readRecordFast(buf, 5, 5 + payload.length), msgpackr.unpack(payload));
  assert.is(readRecordFast(buf, 5, 4 + payload.length), null);
  assert.is(readRecordFast(buf, 5, 6 + payload.length), null);
});

Reader('on unusual records, gives up or agrees with msgpackr', () => {
  for (const value of UNUSUAL) {
    for (const payload of encodings(value)) {
      const ref = msgpackr.unpack(payload);
      const fast = readRecordFast(payload, 0, payload.length);
      if (fast !== null) assert.equal(fast, ref, JSON.stringify(value));
      const fold = readFoldedRecordFast(payload, 0, payload.length);
      if (fold !== null) {
        assert.equal(fold, folded(ref));
        assert.ok(Buffer.isBuffer(ref.prev) && ref.prev.length === 16, 'folded only with a hash-sized prev');
      }
    }
  }
});

Reader('on damaged payloads, gives up or agrees with msgpackr', () => {
  for (const rec of TYPICAL) {
    const payload = encodeRecord(rec);
    const variants = [];
    for (let cut = 0; cut < payload.length; cut++) variants.push(payload.subarray(0, cut));
    for (let i = 0; i < payload.length; i++) {
      for (const x of [0x01, 0x10, 0x80, 0xff]) {
        const bad = Buffer.from(payload);
        bad[i] ^= x;
        variants.push(bad);
      }
    }
    for (const bad of variants) {
      let ref;
      try { ref = msgpackr.unpack(bad); } catch { ref = undefined; }
      const fast = readRecordFast(bad, 0, bad.length);
      if (fast !== null) assert.equal(fast, ref);
      const fold = readFoldedRecordFast(bad, 0, bad.length);
      if (fold !== null) {
        assert.equal(fold, folded(ref));
        assert.ok(Buffer.isBuffer(ref.prev) && ref.prev.length === 16);
      }
    }
  }
});

Reader('decodeRecord reports what msgpackr cannot decode, as before', () => {
  const payload = encodeRecord(TYPICAL[0]);
  try { decodeRecord(payload.subarray(0, payload.length - 1), 'f', 64); assert.unreachable(); } catch (e) {
    assert.is(e.code, 'ECORRUPT');
    assert.match(e.message, /does not decode/);
  }
  try { decodeRecord(msgpackr.pack(record({ prev: Buffer.alloc(8) })), 'f', 64); assert.unreachable(); } catch (e) {
    assert.is(e.code, 'ECORRUPT');
    assert.match(e.message, /lacks required fields/);
  }
});

Reader.run();
