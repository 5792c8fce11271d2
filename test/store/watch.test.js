import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { freshStore, dropStore, logPath } from '../helpers/store.js';
import { runTogether } from '../helpers/procs.js';
import { spawnSync } from 'node:child_process';
import { openStore } from '../../dist/index.js';

// Collect a stream until it completes or errors.
function collect(obs, onEvent = () => {}) {
  const seen = [];
  const done = new Promise((resolve, reject) => {
    obs.subscribe({ next: (e) => { seen.push(e); onEvent(e, seen); }, error: reject, complete: () => resolve(seen) });
  });
  return { seen, done };
}

const Watch = suite('watch');
Watch.before.each(async (ctx) => Object.assign(ctx, await freshStore()));
Watch.after.each(dropStore);

Watch('stored events first, then live ones from other processes, no gaps or duplicates, completes on delete', async ({ store, root }) => {
  await store.create('web');
  await store.annotate('web', { a: '1' });
  const { done } = collect(store.watch('web', { fromSeq: 2, pollMs: 20 }));
  await runTogether('store-worker.js', Array.from({ length: 3 }, (_, w) => [root, 'web', '40', 'annotate', 'none', `w${w}`]));
  await store.delete('web');
  const seen = await done;
  assert.equal(seen.map((e) => e.seq), Array.from({ length: 3 * 40 + 2 }, (_, i) => i + 2));
  assert.is(seen.at(-1).type, 'deleted');
});

Watch('a record half written when the watch looks is emitted once complete, once, with no gap', async ({ store, root }) => {
  await store.create('web');
  const file = logPath(root, 'web');
  const end1 = fs.statSync(file).size;
  await store.annotate('web', { a: '1' });
  const record2 = fs.readFileSync(file).subarray(end1);
  fs.truncateSync(file, end1);
  const { seen, done } = collect(store.watch('web', { pollMs: 10 }));
  const settle = () => new Promise((r) => setTimeout(r, 60));
  await settle();
  fs.appendFileSync(file, record2.subarray(0, 7)); // the frame's header is not even whole
  await settle();
  fs.appendFileSync(file, record2.subarray(7, record2.length - 3));
  await settle();
  assert.equal(seen.map((e) => e.seq), [1], 'a torn record is not emitted');
  fs.appendFileSync(file, record2.subarray(record2.length - 3));
  await settle();
  assert.equal(seen.map((e) => e.seq), [1, 2]);
  await store.annotate('web', { b: '2' });
  await store.delete('web');
  await done;
  assert.equal(seen.map((e) => e.seq), [1, 2, 3, 4]);
  assert.equal(seen[1].data, { annotations: { a: '1' } });
});

Watch('a missing container errors with ENOTFOUND', async ({ store }) => {
  try { await collect(store.watch('nope')).done; assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
});

Watch('unsubscribing stops the stream', async ({ store }) => {
  await store.create('web');
  const seen = [];
  const sub = store.watch('web', { pollMs: 10 }).subscribe((e) => seen.push(e.seq));
  await new Promise((r) => setTimeout(r, 30));
  sub.unsubscribe();
  await store.annotate('web', { late: 'yes' });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(seen, [1]);
});

Watch('keeps streaming across compactions, from sealed segments too; a pruned start is EPRUNED', async ({ store }) => {
  await store.create('web');
  await store.annotate('web', { a: '1' });
  await store.compact('web');
  await store.annotate('web', { a: '2' });
  const { seen, done } = collect(store.watch('web', { fromSeq: 2, pollMs: 10 }));
  await new Promise((r) => setTimeout(r, 40));
  await store.compact('web');
  await store.annotate('web', { a: '3' });
  await new Promise((r) => setTimeout(r, 40));
  await store.compact('web');
  await store.delete('web');
  await done;
  assert.equal(seen.map((e) => e.seq), [2, 3, 4, 5]);
  assert.equal(seen.map((e) => e.type), ['annotated', 'annotated', 'annotated', 'deleted']);

  await store.create('old');
  await store.annotate('old', { a: '1' });
  await store.compact('old', { keepSegments: 0 });
  try { await collect(store.watch('old', { fromSeq: 1 })).done; assert.unreachable(); } catch (e) { assert.is(e.code, 'EPRUNED'); }
  // Without fromSeq: what retention kept (nothing yet), then live events.
  const live = collect(store.watch('old', { pollMs: 10 }));
  await store.annotate('old', { a: '2' });
  await store.delete('old');
  assert.equal((await live.done).map((e) => e.seq), [3, 4]);
});

Watch('several compactions between two looks: the watch reads on through the sealed segments; pruned ones are EPRUNED', async ({ store, root }) => {
  const { execFileSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
  // Another process appends and compacts while this event loop is blocked, so the watch sees it all at once.
  const other = (id, ops, keep) => execFileSync(process.execPath, ['--input-type=module', '-e', `
    const { openStore } = await import(${JSON.stringify(dist)});
    const s = await openStore({ root: ${JSON.stringify(root)}, durability: 'none' });
    for (const op of ${JSON.stringify(ops)}) op === 'a' ? await s.annotate(${JSON.stringify(id)}, { x: '1' }) : await s.compact(${JSON.stringify(id)}, ${keep});
    await s.close();`]);
  await store.create('web');
  const { seen, done } = collect(store.watch('web', { pollMs: 10 }));
  await new Promise((r) => setTimeout(r, 30));
  other('web', ['a', 'c', 'a', 'c', 'a', 'c', 'a'], '{}');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(seen.map((e) => e.seq), [1, 2, 3, 4, 5], 'every event, still live');
  await store.delete('web');
  await done;
  assert.equal(seen.map((e) => e.type).at(-1), 'deleted');

  await store.create('gone');
  const gone = collect(store.watch('gone', { pollMs: 10 }));
  await new Promise((r) => setTimeout(r, 30));
  other('gone', ['a', 'c', 'a', 'c', 'a'], '{ keepSegments: 0 }');
  try { await gone.done; assert.unreachable('completed'); } catch (e) {
    assert.is(e.code, 'EPRUNED');
    assert.match(e.message, 'from seq 3'); // what its open descriptor held (seq 1, 2) was read to the end
  }
  assert.equal(gone.seen.map((e) => e.seq), [1, 2]);
});

Watch('closing the store ends its watches: what was appended first, then complete; later subscribers get ECLOSED', async (ctx) => {
  const { store, root } = ctx;
  await store.create('web');
  const other = await openStore({ root, durability: 'none' });
  try {
    // A poll far away: only the close can end this stream in time.
    const watch = store.watch('web', { pollMs: 600_000 });
    const { seen, done } = collect(watch);
    await other.annotate('web', { a: '1' });
    await store.close();
    await done;
    assert.equal(seen.map((e) => e.seq), [1, 2], 'the annotation appended before the close is emitted');
    try { await collect(watch).done; assert.unreachable(); } catch (e) { assert.is(e.code, 'ECLOSED'); }
    try { await collect(store.watch('web')).done; assert.unreachable(); } catch (e) { assert.is(e.code, 'ECLOSED'); }
  } finally {
    await other.close();
  }
});

Watch('a process whose store is closed exits while a watch was subscribed', async ({ store, root }) => {
  await store.create('web');
  const script = `
    import { openStore } from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)};
    const s = await openStore({ root: ${JSON.stringify(root)}, durability: 'none' });
    s.watch('web', { pollMs: 10 }).subscribe({ next: (e) => process.stdout.write(e.seq + ' '), complete: () => process.stdout.write('complete') });
    setTimeout(() => s.close(), 50);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.is(r.signal, null, 'exited on its own, not killed at the timeout');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, '1 complete');
});

Watch.run();
