import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { crc32 } from 'node:zlib';
import { crc32Of } from '../../dist/events/crc.js';
import { checkedRun, encodeFrame, frameEnd, readFrame, FRAME_OVERHEAD, MAX_PAYLOAD } from '../../dist/events/frame.js';
import { encodeHeader, decodeHeader, HEADER_SIZE, FORMAT_VERSION } from '../../dist/events/header.js';
import { encodeRecord, decodeRecord, RECORD_VERSION } from '../../dist/events/record.js';
import { ZERO_HASH } from '../../dist/events/hash.js';
import { Packr } from 'msgpackr';

const record = (over = {}) => ({ v: RECORD_VERSION, seq: 2, type: 'paused', at: 1700000000000, actor: { pid: 1, uid: 0 }, data: {}, prev: ZERO_HASH, ...over });

const Frame = suite('frame');

Frame('round trip', () => {
  const payload = encodeRecord(record({ data: { annotations: { a: 'b' } }, type: 'annotated' }));
  const buf = encodeFrame(payload);
  assert.is(buf.length, FRAME_OVERHEAD + payload.length);
  const fr = readFrame(buf, 0);
  assert.ok(fr.ok);
  const rec = decodeRecord(buf.subarray(fr.payloadStart, fr.end), 'f', 0);
  assert.equal(rec.data, { annotations: { a: 'b' } });
  assert.is(rec.seq, 2);
  assert.ok(Buffer.from(rec.prev).equals(ZERO_HASH));
});

Frame('every cut of a frame is incomplete, every flipped byte is caught', () => {
  const buf = encodeFrame(encodeRecord(record()));
  for (let cut = 0; cut < buf.length; cut++) {
    const fr = readFrame(buf.subarray(0, cut), 0);
    assert.not.ok(fr.ok, `cut at ${cut}`);
  }
  for (let i = 0; i < buf.length; i++) {
    const bad = Buffer.from(buf);
    bad[i] ^= 0x40;
    assert.not.ok(readFrame(bad, 0).ok, `flip at ${i}`);
  }
});

Frame('zero length and oversized lengths are refused', () => {
  assert.equal(readFrame(Buffer.alloc(32), 0), { ok: false, fault: 'length' });
  const big = Buffer.alloc(16);
  big.writeUInt32LE(MAX_PAYLOAD + 1, 0);
  assert.equal(readFrame(big, 0), { ok: false, fault: 'length' });
});

Frame('the checksum readers compute is zlib crc32, at any offset and length', () => {
  const bytes = crypto.randomBytes(4096);
  for (let len = 0; len < 300; len++) {
    for (const start of [0, 1, 3, 7, 8]) {
      const part = bytes.subarray(start, start + len);
      assert.is(crc32Of(bytes, start, start + len, 0), crc32(part), `len ${len} at ${start}`);
      assert.is(crc32Of(bytes, start + 5, start + len + 5, crc32(bytes.subarray(0, start + 5))), crc32(bytes.subarray(0, start + len + 5)));
    }
  }
  assert.is(crc32Of(bytes, 0, bytes.length, 0), crc32(bytes));
});

Frame('the checksum reads each buffer it is given, also views into a shared one, taken in turns', () => {
  // Small Buffers share one pool: their bytes start at an offset into it.
  const a = Buffer.from(crypto.randomBytes(100));
  const b = Buffer.from(crypto.randomBytes(100));
  const whole = new Uint8Array(a.buffer);
  assert.ok(a.byteOffset > 0 || b.byteOffset > 0);
  for (let round = 0; round < 3; round++) {
    for (const buf of [a, b, a.subarray(3, 90), whole.subarray(a.byteOffset, a.byteOffset + 100)]) {
      assert.is(crc32Of(buf, 0, buf.length, 0), crc32(buf));
    }
    a[round] ^= 0xff; // the same buffer, changed: read again, not remembered
  }
});

Frame('frames of every size read back, at any offset of a buffer', () => {
  for (const len of [1, 2, 7, 8, 9, 15, 16, 17, 100, 1000, 4095, MAX_PAYLOAD]) {
    const frame = encodeFrame(crypto.randomBytes(len));
    for (const at of [0, 1, 5]) {
      const buf = Buffer.concat([Buffer.alloc(at), frame, Buffer.alloc(3)]);
      assert.is(frameEnd(buf, at), at + frame.length, `len ${len} at ${at}`);
      const bad = Buffer.from(buf);
      bad[at + FRAME_OVERHEAD + (len >> 1)] ^= 1;
      assert.equal(readFrame(bad, at), { ok: false, fault: 'checksum' });
    }
  }
});

Frame('a run of frames is checked at once: it ends at the last whole frame, and any one damaged frame fails it', () => {
  // Payloads of 150 sizes (more than get a shift table of their own), and one of the largest size.
  const payloads = Array.from({ length: 300 }, (_, i) => {
    const len = i === 7 ? MAX_PAYLOAD : 1 + ((i * 37) % 150);
    return Buffer.from(Array.from({ length: len }, (_, k) => (i * 31 + k * 7) & 0xff));
  });
  const frames = payloads.map((p) => encodeFrame(p));
  const starts = [];
  let at = 5;
  for (const f of frames) { starts.push(at); at += f.length; }
  const whole = Buffer.concat([Buffer.alloc(5, 0xee), ...frames]);
  assert.is(checkedRun(whole, 5), whole.length, 'every frame vouched for');
  assert.is(checkedRun(whole, starts[100]), whole.length, 'from any frame on');
  // A cut frame ends the run before it; so does a bad length. Neither is a failure.
  assert.is(checkedRun(whole.subarray(0, starts[200] + 3), 5), starts[200]);
  const badLength = Buffer.from(whole);
  badLength.writeUInt32LE(0, starts[250]);
  assert.is(checkedRun(badLength, 5), starts[250]);
  // Any flipped bit in any of these frames (length, checksum or payload) fails the whole run.
  for (const victim of [0, 1, 7, 123, 299]) {
    const from = starts[victim];
    const len = frames[victim].length;
    for (const off of [0, 1, 3, 4, 6, 7, 8, 9, len - 1].filter((o) => o < len)) {
      for (const bit of [0x01, 0x80]) {
        const bad = Buffer.from(whole);
        bad[from + off] ^= bit;
        const end = checkedRun(bad, 5);
        // A flipped length may end the run at the frame (too long to fit, or zero): it vouches for what precedes.
        assert.ok(end === 5 || (off < 4 && end === from), `frame ${victim}, byte ${off}, bit ${bit}: ${end}`);
        if (end === 5) assert.ok(frameEnd(bad, from) < 0 || off < 4, 'frameEnd finds the bad frame');
      }
    }
  }
});

Frame('oversized payload is ETOOLARGE', () => {
  try {
    encodeRecord(record({ type: 'annotated', data: { annotations: { a: 'x'.repeat(MAX_PAYLOAD) } } }));
    assert.unreachable();
  } catch (e) {
    assert.is(e.code, 'ETOOLARGE');
  }
});

Frame.run();

// ---

const Header = suite('header');

Header('round trip', () => {
  const h = { version: FORMAT_VERSION, firstSeq: 42, prevHash: Buffer.alloc(16, 7), logId: '0123456789abcdef' };
  const buf = encodeHeader(h);
  assert.is(buf.length, HEADER_SIZE);
  assert.equal(decodeHeader(buf, 'f'), h);
});

Header('unknown version is EFORMAT, bad magic is EFORMAT, flipped byte is ECORRUPT', async () => {
  const { crc32 } = await import('node:zlib');
  const buf = encodeHeader({ version: FORMAT_VERSION, firstSeq: 1, prevHash: ZERO_HASH, logId: '0123456789abcdef' });
  const v2 = Buffer.from(buf);
  v2.writeUInt32LE(2, 8);
  v2.writeUInt32LE(crc32(v2.subarray(0, 60)), 60);
  try { decodeHeader(v2, 'f'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EFORMAT'); assert.match(e.message, /version 2/); }
  const magic = Buffer.from(buf);
  magic[0] = 0x41;
  try { decodeHeader(magic, 'f'); assert.unreachable(); } catch (e) { assert.is(e.code, 'EFORMAT'); }
  const flip = Buffer.from(buf);
  flip[20] ^= 1;
  try { decodeHeader(flip, 'f'); assert.unreachable(); } catch (e) { assert.is(e.code, 'ECORRUPT'); }
});

Header.run();

// ---

const Record = suite('record');

Record('unknown event type and record version are EFORMAT, not a crash', () => {
  const packr = new Packr({ useRecords: false });
  try { decodeRecord(packr.pack(record({ type: 'teleported' })), 'f', 64); assert.unreachable(); } catch (e) {
    assert.is(e.code, 'EFORMAT');
    assert.match(e.message, /teleported/);
  }
  try { decodeRecord(packr.pack(record({ v: 9 })), 'f', 64); assert.unreachable(); } catch (e) { assert.is(e.code, 'EFORMAT'); }
});

Record('a time no Date can hold is ECORRUPT, not a RangeError', () => {
  const packr = new Packr({ useRecords: false });
  for (const at of [1e20, -1e16, NaN, Infinity]) {
    for (const payload of [encodeRecord(record({ at })), packr.pack(record({ at }))]) {
      try { decodeRecord(payload, 'f', 64); assert.unreachable(); } catch (e) {
        assert.is(e.code, 'ECORRUPT', String(at));
        assert.match(e.message, /impossible time/);
        assert.is(e.details.offset, 64);
      }
    }
  }
  // The extremes a Date holds are still records.
  assert.is(decodeRecord(encodeRecord(record({ at: 8.64e15 })), 'f', 64).at, 8.64e15);
});

Record('payload that is not a record is ECORRUPT', () => {
  const packr = new Packr({ useRecords: false });
  try { decodeRecord(packr.pack([1, 2, 3]), 'f', 64); assert.unreachable(); } catch (e) { assert.is(e.code, 'ECORRUPT'); }
});

Record('records decode in a fresh decoder (no shared structures)', () => {
  const payload = encodeRecord(record({ type: 'killed', data: { signal: 'SIGTERM' } }));
  const fresh = new Packr({ useRecords: false }).unpack(payload);
  assert.is(fresh.type, 'killed');
  assert.equal(fresh.data, { signal: 'SIGTERM' });
});

Record.run();
