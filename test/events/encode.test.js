// The append path splices seq, at and prev into records prepared before the lock. Its bytes must be
// exactly msgpackr's for the same record: the format has one definition, encodeRecord.
import crypto from 'node:crypto';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { encodeFrames, prepareEvent } from '../../dist/events/encode.js';
import { encodeFrame, readFrame, MAX_PAYLOAD } from '../../dist/events/frame.js';
import { encodeRecord, decodeRecord, RECORD_VERSION } from '../../dist/events/record.js';
import { recordHash } from '../../dist/events/hash.js';

const Encode = suite('record encoder');

const EVENTS = [
  { type: 'created', data: { id: 'web', bundle: '/srv/web', annotations: { team: 'a', 'ü-ñ': '雪' }, command: ['sh', '-c', 'sleep 1'], pid: 7, pidStart: 99 } },
  { type: 'started', data: { pid: 4242, pidStart: 123456789 } },
  { type: 'paused', data: {} },
  { type: 'resumed', data: {} },
  { type: 'killed', data: { signal: 'SIGTERM' } },
  { type: 'exited', data: { code: -1 } },
  { type: 'exited', data: { signal: 'SIGKILL' } },
  { type: 'annotated', data: { annotations: { k: 'v'.repeat(300), gone: null } } },
  { type: 'deleted', data: { force: true } },
];
// Every width boundary of msgpack's unsigned forms, and numbers past 2^32 (written as float64).
const NUMBERS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER, 1764340000123, 1.5, -1, -200, -(2 ** 40)];
const ACTORS = [{ pid: 1, uid: 0 }, { pid: 4194304, uid: 65534 }, { pid: 5, uid: -1 }];

Encode('spliced records are byte for byte what msgpackr encodes', () => {
  let n = 0;
  for (const ev of EVENTS) {
    for (const actor of ACTORS) {
      const prepared = prepareEvent(ev, actor);
      for (const seq of NUMBERS.filter((x) => x >= 1 && Number.isInteger(x))) {
        for (const at of NUMBERS) {
          const prev = crypto.randomBytes(16);
          const { bytes, records } = encodeFrames([prepared], seq, at, () => prev);
          const payload = encodeRecord({ v: RECORD_VERSION, seq, type: ev.type, at, actor, data: ev.data, prev });
          assert.ok(bytes.equals(encodeFrame(payload)), `${ev.type} seq ${seq} at ${at}`);
          assert.ok(records[0].payload.equals(payload));
          n++;
        }
      }
    }
  }
  assert.ok(n > 2000);
});

Encode('several records chain: each prev is the hash of the record before', () => {
  const evs = [EVENTS[4], EVENTS[5], EVENTS[7]].map((e) => prepareEvent(e, ACTORS[0]));
  const head = crypto.randomBytes(16);
  const { bytes, records } = encodeFrames(evs, 10, 1700000000000, (i, done) => (i === 0 ? head : recordHash(done[i - 1].payload)));
  let pos = 0;
  let prev = head;
  for (let i = 0; i < 3; i++) {
    const fr = readFrame(bytes, pos);
    assert.ok(fr.ok);
    assert.is(records[i].start, pos);
    const rec = decodeRecord(bytes.subarray(fr.payloadStart, fr.end), 'mem', pos);
    assert.is(rec.seq, 10 + i);
    assert.ok(Buffer.from(rec.prev).equals(prev));
    prev = recordHash(bytes.subarray(fr.payloadStart, fr.end));
    pos = fr.end;
  }
  assert.is(pos, bytes.length);
});

Encode('an event too large for a frame is refused before any lock is taken', () => {
  try {
    prepareEvent({ type: 'annotated', data: { annotations: { a: 'x'.repeat(MAX_PAYLOAD) } } }, ACTORS[0]);
    assert.unreachable();
  } catch (e) {
    assert.is(e.code, 'ETOOLARGE');
  }
  // Just under the limit still fits, once seq/at take their longest form.
  const fits = prepareEvent({ type: 'annotated', data: { annotations: { a: 'x'.repeat(MAX_PAYLOAD - 200) } } }, ACTORS[0]);
  const { records } = encodeFrames([fits], 2 ** 40, 2 ** 40, () => Buffer.alloc(16));
  assert.ok(records[0].payload.length <= MAX_PAYLOAD);
});

Encode.run();
