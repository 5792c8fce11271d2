import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { Packr } from 'msgpackr';
import { encodeFrame } from '../../dist/events/frame.js';
import { readRecordsAt } from '../../dist/events/log.js';
import { RECORD_VERSION } from '../../dist/events/record.js';
import { readFastRecord } from '../../dist/events/record-reader.js';
import { applyRecord, cloneState } from '../../dist/projection/evolve.js';
import { foldRecordsAt } from '../../dist/projection/fold.js';

// foldRecordsAt reads the common records field by field (readFastRecord) and hands the rest to the
// full decoder. The reference here is the fold it replaced: decode every record, then applyRecord.
// Both must end in the same state (key order included), stop at the same record and fail alike.

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const prev = Buffer.alloc(16, 0xab);
const AT = 1795900000000.5;
const rec = (seq, type, data, over = {}) => packr.pack({ v: RECORD_VERSION, seq, type, at: AT + seq, actor: { pid: 77, uid: 1000 }, data, prev, ...over });
const FROM = 64; // file offset of the first record: any number, the bytes are handed over
const mem = { fd: -1, file: 'mem.log', size: 0, header: {}, ino: 0 };

// A log's bytes: one frame per payload.
const framed = (payloads) => Buffer.concat(payloads.map((p) => encodeFrame(p)));

function viaFold(bytes, limits = {}) {
  const cur = { state: null, next: 1, fromSeq: 0, toSeq: Infinity, toAt: Infinity, at: 0, ...limits };
  const folded = [];
  try {
    const r = foldRecordsAt(mem, FROM, FROM + bytes.length, cur, (_b, _ps, _pe, start) => folded.push(start), bytes);
    return { state: JSON.stringify(cur.state), next: cur.next, at: cur.at, past: r.past, folded };
  } catch (err) {
    return { error: `${err.code}: ${err.message}` };
  }
}

function viaReference(bytes, { fromSeq = 0, toSeq = Infinity, toAt = Infinity } = {}) {
  let state = null;
  let at = 0;
  let past = false;
  let next = 1;
  const folded = [];
  try {
    readRecordsAt(mem, FROM, FROM + bytes.length, 1, (r, start) => {
      next = r.seq + 1;
      if (r.seq < fromSeq) return true;
      if (r.seq > toSeq || r.at > toAt) {
        past = true;
        return false;
      }
      state = applyRecord(state, r);
      at = r.at;
      folded.push(start);
      return true;
    }, bytes);
    return { state: JSON.stringify(state), next, at, past, folded };
  } catch (err) {
    return { error: `${err.code}: ${err.message}` };
  }
}

// A small deterministic generator, so a failure names a seed that reproduces it.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

// A history of every event type, annotations set, overwritten and removed, and values the fast
// path hands over (non-ASCII, long strings, more keys than it takes).
function history(seed, n) {
  const r = rng(seed);
  const keys = ['a', 'b', 'team', 'x.y/z', 'k', 'w3', 'a'.repeat(31)];
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const value = () => pick(['1', '', 'value with spaces', null, null, 'ünï', 'v'.repeat(40)]);
  const payloads = [rec(1, 'created', { id: 'web', bundle: '/b', annotations: { team: 'x', a: '0' } })];
  for (let seq = 2; seq <= n; seq++) {
    const kind = r();
    if (kind < 0.5) {
      const ann = {};
      const count = r() < 0.05 ? 40 : 1 + Math.floor(r() * 4);
      for (let i = 0; i < count; i++) ann[count > 7 ? `key${i}` : pick(keys)] = value();
      payloads.push(rec(seq, 'annotated', r() < 0.1 ? { note: 'extra', annotations: ann } : { annotations: ann }));
    } else if (kind < 0.7) payloads.push(rec(seq, pick(['paused', 'resumed']), r() < 0.1 ? { extra: 'ignored' } : {}));
    else if (kind < 0.8) payloads.push(rec(seq, 'started', { pid: Math.floor(r() * 1e5), pidStart: 123 }));
    else if (kind < 0.9) payloads.push(rec(seq, 'killed', { signal: 'SIGTERM' }));
    else payloads.push(rec(seq, 'exited', { code: 0 }));
  }
  return payloads;
}

const Same = suite('fast fold = decode + applyRecord');

Same('random histories: same state, key order included, whichever path each record takes', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const bytes = framed(history(seed, 300));
    const got = viaFold(bytes);
    assert.ok(!got.error, `seed ${seed}: ${got.error}`);
    assert.equal(got, viaReference(bytes), `seed ${seed}`);
  }
});

Same('the common records really take the fast path; the others are handed over untouched', () => {
  const state = () => ({ ociVersion: '1.2.0', id: 'web', status: 'running', pid: 0, pidStart: 0, bundle: '', annotations: { a: '1' }, created: '', updated: '', seq: 4 });
  // One record folded onto state() at seq 5, through foldRecordsAt.
  const foldOne = (p) => {
    const cur = { state: state(), next: 5, fromSeq: 0, toSeq: Infinity, toAt: Infinity, at: 0 };
    const bytes = framed([p]);
    foldRecordsAt(mem, FROM, FROM + bytes.length, cur, undefined, bytes);
    return cur;
  };
  const fast = [
    [rec(5, 'annotated', { annotations: { a: null, b: '2' } }), { annotations: { b: '2' } }],
    [rec(5, 'paused', {}), { status: 'paused' }],
    [rec(5, 'resumed', { note: 'ignored' }), { status: 'running' }],
  ];
  for (const [p, changed] of fast) {
    assert.ok(readFastRecord(p, 0, p.length, 5), 'read field by field');
    const cur = foldOne(p);
    assert.is(cur.next, 6);
    assert.is(cur.at, AT + 5);
    assert.equal(cur.state, { ...state(), ...changed, seq: 5 });
  }
  const slow = [
    rec(5, 'started', { pid: 1 }), // not a fast type
    rec(5, 'annotated', { annotations: { s: 'ünï', n: 1 } }), // a non-ASCII string
    rec(5, 'annotated', { other: 1 }), // no annotations
    rec(5, 'annotated', { annotations: 'text' }), // annotations not a map
    rec(5, 'paused', 'text'), // data not an object
    packr.pack({ seq: 5, v: RECORD_VERSION, type: 'paused', at: AT, actor: { pid: 1, uid: 0 }, data: {}, prev }), // key order
    rec(5, 'paused', {}, { v: 2 }),
    rec(5, 'paused', {}, { at: 9e15 }),
    rec(5, 'paused', {}, { prev: Buffer.alloc(8) }),
  ];
  for (const p of slow) assert.not.ok(readFastRecord(p, 0, p.length, 5), 'handed to the full decoder');
  const wrongSeq = rec(6, 'paused', {});
  assert.not.ok(readFastRecord(wrongSeq, 0, wrongSeq.length, 5), 'not the seq expected');
  // Seqs of every size the writer encodes (fixint, uint 8, 16, 32), and annotations removed.
  for (const seq of [5, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1]) {
    const p = rec(seq, 'annotated', { annotations: { a: null, b: 'x' } });
    assert.ok(readFastRecord(p, 0, p.length, seq), `seq ${seq}`);
    assert.not.ok(readFastRecord(p, 0, p.length, seq - 1), `seq ${seq} read as ${seq - 1}`);
  }
  // A negative fixint is no seq, however its byte reads.
  const negative = rec(-30, 'annotated', { annotations: { a: '1' } });
  assert.not.ok(readFastRecord(negative, 0, negative.length, 226));
  const bytes = framed([...history(3, 225), negative]);
  assert.ok(viaFold(bytes).error, 'a seq gap');
  assert.equal(viaFold(bytes), viaReference(bytes));
});

Same('actors of any integer size, and of other shapes, are stepped over on the fast path', () => {
  const actors = [
    { pid: 0, uid: 0 }, { pid: 127, uid: -1 }, { pid: 128, uid: 255 }, { pid: 300, uid: 65535 },
    { pid: 70000, uid: 65536 }, { pid: 2 ** 31, uid: -32 },
    { uid: 5, pid: 6 }, { pid: 1 }, { pid: 1, uid: 2, host: 'a' }, { pid: -200, uid: 'x' }, {},
  ];
  for (const actor of actors) {
    const payloads = [rec(1, 'created', { id: 'web', bundle: '/b', annotations: {} })];
    payloads.push(rec(2, 'annotated', { annotations: { k: '1' } }, { actor }), rec(3, 'paused', {}, { actor }), rec(4, 'resumed', {}, { actor }));
    for (const p of payloads.slice(1)) assert.ok(readFastRecord(p, 0, p.length, p === payloads[1] ? 2 : p === payloads[2] ? 3 : 4), JSON.stringify(actor));
    const bytes = framed(payloads);
    const got = viaFold(bytes);
    assert.ok(!got.error, got.error);
    assert.equal(got, viaReference(bytes), JSON.stringify(actor));
  }
  // A value the fast reader does not take: handed to the full decoder.
  const bad = rec(2, 'paused', {}, { actor: { pid: 2n ** 40n, uid: 0 } }); // a uint 64
  assert.not.ok(readFastRecord(bad, 0, bad.length, 2));
});

Same('repeated keys, which no JavaScript object can hold, fold as the full decoder reads them', () => {
  // data = { annotations: { a: null, a: "x" } }, and a data map naming annotations twice.
  const fixstr = (s) => Buffer.concat([Buffer.from([0xa0 + s.length]), Buffer.from(s)]);
  const head = (seq) => packr.pack({ v: RECORD_VERSION, seq, type: 'annotated', at: AT, actor: { pid: 1, uid: 0 } }).subarray(3);
  const record = (seq, data) => Buffer.concat([Buffer.from([0xde, 0, 7]), head(seq), fixstr('data'), data, fixstr('prev'), Buffer.from([0xc4, 16]), prev]);
  const map = (...pairs) => Buffer.concat([Buffer.from([0x80 + pairs.length / 2]), ...pairs]);
  const payloads = [
    rec(1, 'created', { id: 'web', bundle: '', annotations: { a: '1', b: '2' } }),
    record(2, map(fixstr('annotations'), map(fixstr('a'), Buffer.from([0xc0]), fixstr('a'), fixstr('x')))),
    record(3, map(fixstr('annotations'), map(fixstr('b'), fixstr('y')), fixstr('annotations'), map(fixstr('c'), fixstr('z')))),
  ];
  const bytes = framed(payloads);
  const got = viaFold(bytes);
  assert.equal(got, viaReference(bytes));
  assert.equal(JSON.parse(got.state).annotations, { a: 'x', b: '2', c: 'z' }, 'the last value of a key, the last annotations of a data map');
});

Same('limits: fromSeq, toSeq and toAt stop and skip at the same records', () => {
  const bytes = framed(history(99, 200));
  for (const limits of [{ toSeq: 1 }, { toSeq: 57 }, { toSeq: 200 }, { toSeq: 500 }, { toAt: AT + 120 }, { toAt: AT }, { fromSeq: 150 }, { fromSeq: 150, toSeq: 170 }]) {
    assert.equal(viaFold(bytes, limits), viaReference(bytes, limits), JSON.stringify(limits));
  }
});

Same('damage after the checksum: the same error from both paths', () => {
  const base = history(5, 20);
  const cases = {
    'a seq gap': [...base.slice(0, 10), ...base.slice(11)],
    'an unknown version': [...base.slice(0, 10), rec(11, 'paused', {}, { v: 9 })],
    'an unknown type': [...base.slice(0, 10), rec(11, 'teleported', {})],
    'an impossible time': [...base.slice(0, 10), rec(11, 'resumed', {}, { at: -9e15 })],
    'no created event': base.slice(1),
  };
  for (const [name, payloads] of Object.entries(cases)) {
    const bytes = framed(payloads);
    const got = viaFold(bytes);
    assert.ok(got.error, `${name}: an error`);
    assert.equal(got, viaReference(bytes), name);
  }
});

Same('payloads damaged under a good checksum (a bug in some writer): the same error or the same state', () => {
  const base = history(11, 12);
  let errors = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const r = rng(seed);
    const payloads = base.map((p) => Buffer.from(p));
    // Change one to three bytes of one record after `created`, then frame it anew (checksum good).
    const victim = payloads[1 + Math.floor(r() * (payloads.length - 1))];
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--) victim[Math.floor(r() * victim.length)] = Math.floor(r() * 256);
    const bytes = framed(payloads);
    const got = viaFold(bytes);
    assert.equal(got, viaReference(bytes), `seed ${seed}`);
    if (got.error) errors++;
  }
  assert.ok(errors > 0 && errors < 400, `both outcomes were exercised (${errors} of 400 failed)`);
});

Same('every byte of a record laid out as the writer lays it, changed: the same state or the same error', () => {
  // The fast reader reads this layout with a path of its own (local variables only), and hands
  // anything that strays from it to its general path: both must agree with the full decoder.
  const created = rec(1, 'created', { id: 'web', bundle: '', annotations: { a: '1', zz: 'old' } });
  const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i % 3 ? String(i) : null]));
  const records = [
    rec(2, 'annotated', { annotations: { team: 'blue', a: null, e: '', long: 'x'.repeat(31) } }, { actor: { pid: 70000, uid: 0 } }),
    rec(2, 'annotated', { annotations: many }, { actor: { pid: 300, uid: 65536 } }),
  ];
  let cases = 0;
  for (const victim of records) {
    for (let at = 0; at < victim.length; at++) {
      for (const change of [(b) => b ^ 0x01, (b) => b ^ 0x80, () => 0x00, () => 0xc0, () => 0xa3, () => 0xde]) {
        const changed = Buffer.from(victim);
        changed[at] = change(changed[at]);
        const bytes = framed([created, changed]);
        assert.equal(viaFold(bytes), viaReference(bytes), `byte ${at} of ${victim.length}`);
        cases++;
      }
    }
  }
  // Keys and values the layout's own path must hand over: a repeated key, `__proto__`, non-ASCII.
  const fixstr = (t) => Buffer.concat([Buffer.from([0xa0 + Buffer.byteLength(t)]), Buffer.from(t)]);
  const withPairs = (...pairs) => {
    const base = rec(2, 'annotated', { annotations: { a: '1' } });
    const open = base.indexOf(Buffer.concat([fixstr('annotations'), Buffer.from([0xde, 0, 1])])) + 15;
    return Buffer.concat([base.subarray(0, open - 3), Buffer.from([0xde, 0, pairs.length / 2]), ...pairs, base.subarray(open + 4)]);
  };
  for (const odd of [
    withPairs(fixstr('a'), Buffer.from([0xc0]), fixstr('a'), fixstr('x')), // removed and set again: key order tells
    withPairs(fixstr('__proto__'), fixstr('x')),
    withPairs(fixstr('__proto__'), fixstr('y')), // again: readers cache the keys they meet
    withPairs(fixstr(''), fixstr('x')),
    withPairs(fixstr('ü'), fixstr('x')),
    withPairs(fixstr('b'), fixstr('ß')),
    Buffer.concat([records[0], Buffer.from([0])]), // a byte past the hash
    records[0].subarray(0, records[0].length - 1), // a hash a byte short
  ]) {
    const bytes = framed([created, odd]);
    const got = viaFold(bytes);
    assert.equal(got, viaReference(bytes));
    cases++;
  }
  assert.ok(cases > 1000, `${cases} records compared`);
});

Same('the state folded is private: a base handed in is not changed', () => {
  const bytes = framed(history(7, 50));
  const full = viaReference(bytes);
  const half = framed(history(7, 50).slice(0, 25));
  const cur = { state: null, next: 1, fromSeq: 0, toSeq: Infinity, toAt: Infinity, at: 0 };
  foldRecordsAt(mem, FROM, FROM + half.length, cur, undefined, half);
  const base = cloneState(cur.state);
  const snapshot = JSON.stringify(base);
  const rest = bytes.subarray(half.length);
  const cur2 = { state: cloneState(base), next: 26, fromSeq: 0, toSeq: Infinity, toAt: Infinity, at: 0 };
  foldRecordsAt(mem, FROM + half.length, FROM + bytes.length, cur2, undefined, rest);
  assert.is(JSON.stringify(base), snapshot);
  assert.is(JSON.stringify(cur2.state), full.state, 'folding in two parts ends where one fold does');
});

Same.run();
