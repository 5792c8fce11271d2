import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { freshStore, dropStore } from '../helpers/store.js';
import { runTogether } from '../helpers/procs.js';

const PROCS = 8;
const OPS = 200;

const Multi = suite('multi-process');
Multi.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Multi.after.each(dropStore);

Multi(`${PROCS} processes × ${OPS} annotate on one container: every ack in the history exactly once`, async ({ store, root }) => {
  await store.create('hot');
  const reports = await runTogether('store-worker.js', Array.from({ length: PROCS }, (_, w) => [root, 'hot', String(OPS), 'annotate', 'none', `w${w}`]));
  const history = await store.history('hot');
  assert.equal(history.map((e) => e.seq), Array.from({ length: PROCS * OPS + 1 }, (_, i) => i + 1), 'seq contiguous');
  const bySeq = new Map(history.map((e) => [e.seq, e]));
  for (const r of reports) {
    assert.is(r.acked.length, OPS);
    for (const a of r.acked) {
      const ev = bySeq.get(a.seq);
      assert.equal(ev.data.annotations, { [r.tag]: String(a.i) }, `ack ${r.tag}/${a.i} at seq ${a.seq}`);
      bySeq.delete(a.seq);
    }
  }
  assert.is(bySeq.size, 1, 'only the created event is not an ack');
  const state = await store.state('hot');
  assert.is(state.seq, PROCS * OPS + 1);
  for (let w = 0; w < PROCS; w++) assert.is(state.annotations[`w${w}`], String(OPS - 1));
  assert.ok((await store.verify('hot')).ok);
});

Multi(`${PROCS} processes pausing and resuming one container: decisions made under the lock`, async ({ store, root }) => {
  await store.create('hot');
  await store.start('hot');
  const reports = await runTogether('store-worker.js', Array.from({ length: PROCS }, () => [root, 'hot', String(OPS), 'mix', 'none']));
  const history = await store.history('hot');
  const acked = reports.flatMap((r) => r.acked);
  assert.is(history.length, 2 + acked.length, 'history holds exactly the acknowledged transitions');
  assert.is(acked.length + reports.reduce((n, r) => n + r.refused, 0), PROCS * OPS);
  for (const a of acked) assert.is(history[a.seq - 1].type, a.type);
  let last = 'resumed';
  for (const e of history.slice(2)) {
    assert.is.not(e.type, last, `two ${e.type} in a row at seq ${e.seq}`);
    last = e.type;
  }
  assert.ok((await store.verify('hot')).ok);
});

Multi(`${PROCS} processes on ${PROCS} containers do not contend`, async ({ store, root }) => {
  for (let w = 0; w < PROCS; w++) await store.create(`c${w}`);
  await runTogether('store-worker.js', Array.from({ length: PROCS }, (_, w) => [root, `c${w}`, String(OPS), 'annotate', 'none', 'w']));
  for (let w = 0; w < PROCS; w++) {
    const s = await store.state(`c${w}`);
    assert.equal([s.seq, s.annotations.w], [OPS + 1, String(OPS - 1)]);
  }
});

Multi('same-process concurrent calls are serialized, none lost', async ({ store }) => {
  await store.create('web');
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => store.annotate('web', { [`k${i}`]: 'v' })));
  assert.equal(results.map((s) => s.seq).sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i + 2));
  assert.is(Object.keys((await store.state('web')).annotations).length, 300);
  await store.start('web');
  const mix = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => (i % 2 ? store.resume('web') : store.pause('web'))));
  for (const r of mix) if (r.status === 'rejected') assert.is(r.reason.code, 'EBADTRANSITION');
  assert.ok((await store.verify('web')).ok);
});

Multi('concurrent writers at durability fsync (flushes shared after the release): every acknowledged transition is in the history', async ({ store, root }) => {
  await store.create('hot');
  const reports = await runTogether('store-worker.js', Array.from({ length: 4 }, (_, w) => [root, 'hot', '50', 'annotate', 'fsync', `w${w}`]));
  assert.is((await store.history('hot')).length, 1 + reports.reduce((n, r) => n + r.acked.length, 0));
});

Multi.run();
