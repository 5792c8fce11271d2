// Records whose frame and CRC are right but whose payload runstate never writes: every reader
// reports ECORRUPT with the file and offset, never a TypeError from deep in a fold, and none is
// taken as a state.
import fs from 'node:fs';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { encodeFrame } from '../../dist/events/frame.js';
import { encodeRecord, RECORD_VERSION } from '../../dist/events/record.js';
import { recordHash } from '../../dist/events/hash.js';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore, logPath } from '../helpers/store.js';

const Malformed = suite('malformed records');
Malformed.before.each(async (ctx) => {
  Object.assign(ctx, await freshStore());
  await ctx.store.create('web', { annotations: { a: '1' } });
  await ctx.store.start('web', { pid: 7, pidStart: 1 });
});
Malformed.after.each(dropStore);

// Append a record with the next seq and the right `prev`, built from `fields` (null drops a field).
async function appendCrafted(store, root, fields) {
  const [last] = (await store.history('web')).slice(-1);
  const bytes = fs.readFileSync(logPath(root, 'web'));
  const prev = recordHash(lastRecordPayload(bytes));
  const rec = { v: RECORD_VERSION, seq: last.seq + 1, type: 'annotated', at: Date.now(), actor: { pid: 1, uid: 0 }, data: {}, prev, ...fields };
  for (const [k, v] of Object.entries(rec)) if (v === null) delete rec[k];
  fs.appendFileSync(logPath(root, 'web'), encodeFrame(encodeRecord(rec)));
  return bytes.length;
}

// The payload of the last frame of a log (frames: u32 length, u32 CRC, payload).
function lastRecordPayload(bytes) {
  let pos = 64;
  let payload = null;
  while (pos < bytes.length) {
    const len = bytes.readUInt32LE(pos);
    payload = bytes.subarray(pos + 8, pos + 8 + len);
    pos += 8 + len;
  }
  return payload;
}

const CASES = {
  'annotated without annotations': { data: {} },
  'annotated with null annotations': { data: { annotations: null } },
  'an annotation that is a number': { data: { annotations: { a: 5 } } },
  'annotations that are a string': { data: { annotations: 'a=b' } },
  'killed without a signal': { type: 'killed', data: {} },
  'started with a pid that is text': { type: 'started', data: { pid: 'x' } },
  'a record without an actor': { actor: null, data: { annotations: { b: '2' } } },
  'paused whose data is bytes': { type: 'paused', data: Buffer.from('x') },
  'resumed whose data is a list': { type: 'resumed', data: [] },
  'a second created': { type: 'created', data: { id: 'web', bundle: '/other', annotations: {} } },
};

for (const [name, fields] of Object.entries(CASES)) {
  Malformed(`${name}: ECORRUPT for state, transitions, history and replay; verify reports it`, async ({ store, root }) => {
    const offset = await appendCrafted(store, root, fields);
    const reader = await openStore({ root, durability: 'none' });
    const file = logPath(root, 'web');
    for (const op of [() => reader.state('web'), () => reader.pause('web'), () => reader.history('web'), () => reader.replay('web', { atSeq: 3 })]) {
      try { await op(); assert.unreachable(op.toString()); } catch (e) {
        assert.is(e.code, 'ECORRUPT', `${op}: ${e.message}`);
        assert.is(e.details.file, file);
        assert.is(e.details.offset, offset);
      }
    }
    const report = await reader.verify('web');
    assert.not.ok(report.ok);
    assert.ok(report.problems.some((p) => p.code === 'ECORRUPT' && p.offset === offset), JSON.stringify(report.problems));
    await reader.close();
  });
}

Malformed.run();
