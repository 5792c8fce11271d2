import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { KeyedQueue } from '../../dist/lock/keyed-queue.js';

const Queue = suite('KeyedQueue');

Queue('entries of one key run one at a time, in call order; other keys do not wait', async () => {
  const q = new KeyedQueue();
  const log = [];
  const run = async (key, name) => {
    const leave = await q.enter(key, Infinity);
    log.push(`${name}+`);
    await new Promise((r) => setImmediate(r));
    log.push(`${name}-`);
    leave();
  };
  await Promise.all([run('a', 'a1'), run('a', 'a2'), run('b', 'b1'), run('a', 'a3')]);
  const a = log.filter((x) => x.startsWith('a'));
  assert.equal(a, ['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-']);
  assert.ok(log.indexOf('b1+') < log.indexOf('a1-'), 'b1 ran beside a1');
  assert.not.ok(q.busy('a'));
  assert.not.ok(q.busy('b'));
});

Queue('a busy key with a past deadline fails at once; a timed-out waiter does not let successors jump ahead', async () => {
  const q = new KeyedQueue();
  const leave1 = await q.enter('k', Infinity);
  assert.is(await q.enter('k', performance.now()), undefined);
  const late = q.enter('k', performance.now() + 20); // gives up while 1 holds
  let thirdIn = false;
  const third = q.enter('k', Infinity).then((leave) => { thirdIn = true; return leave; });
  assert.is(await late, undefined);
  await new Promise((r) => setImmediate(r));
  assert.not.ok(thirdIn, 'third must still wait for the first');
  leave1();
  (await third)();
  await q.drain();
  assert.not.ok(q.busy('k'));
});

Queue.run();
