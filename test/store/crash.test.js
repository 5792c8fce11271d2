import { spawn } from 'node:child_process';
import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { openStore } from '../../dist/index.js';
import { freshStore, dropStore } from '../helpers/store.js';
import { fixture } from '../helpers/procs.js';

const ROUNDS = 20;

// Run the crasher until it has acknowledged at least `min` records, then SIGKILL it at a random moment.
function crashAfter(root, id, min) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture('store-crasher.js'), root, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    let out = '';
    let armed = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!armed && out.split('\n').length > min) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 15));
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`crasher exited ${code}: ${err}`));
      resolve(out.split('\n').filter(Boolean).map(Number));
    });
  });
}

const Crash = suite('crash');
Crash.before.each(async (ctx) => Object.assign(ctx, await freshStore({ durability: 'fsync' })));
Crash.after.each(dropStore);

Crash(`SIGKILL at random points, ${ROUNDS} rounds: nothing acknowledged is lost, the next open recovers`, async ({ root }) => {
  const first = await openStore({ root, durability: 'fsync' });
  await first.create('web');
  await first.close();
  let acked = [1];
  for (let round = 0; round < ROUNDS; round++) {
    const got = await crashAfter(root, 'web', 3 + (round % 7));
    assert.ok(got.length > 0);
    acked = acked.concat(got);
    const store = await openStore({ root, durability: 'fsync' });
    const seqs = (await store.history('web')).map((e) => e.seq);
    const have = new Set(seqs);
    for (const seq of acked) assert.ok(have.has(seq), `acknowledged seq ${seq} lost in round ${round}`);
    assert.equal(seqs, seqs.map((_, i) => i + 1));
    const state = await store.state('web');
    assert.is(state.seq, seqs.length);
    const v = await store.verify('web');
    assert.ok(v.ok, JSON.stringify(v.problems));
    // The next writer goes on from the recovered head.
    assert.is((await store.annotate('web', { round: String(round) })).seq, seqs.length + 1);
    acked.push(seqs.length + 1);
    await store.close();
  }
});

Crash.run();
