import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { isAlive, waitForExit } from '../../dist/process/alive.js';
import { readPidStart, readProcStat } from '../../dist/process/stat.js';

const alive = suite('isAlive');

alive('this process, with and without its start time', () => {
  assert.ok(isAlive(process.pid));
  assert.ok(isAlive(process.pid, readPidStart(process.pid)));
  assert.ok(isAlive(process.pid, 0));
});

alive('a different start time means a reused pid: dead', () => {
  assert.not.ok(isAlive(process.pid, readPidStart(process.pid) + 1));
});

alive('no pid, bad pids, missing processes', () => {
  for (const pid of [0, -1, 1.5, NaN, 2 ** 22 + 1]) assert.not.ok(isAlive(pid));
});

alive('a zombie is dead', async () => {
  // sh starts a short child, then becomes `sleep 30`, which never reaps it. The child
  // outlives the exec (0.2 s) so that sh itself cannot reap it first.
  const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const zombie = Number((await new Promise((resolve) => parent.stdout.once('data', resolve))).toString());
  try {
    const start = readPidStart(zombie);
    assert.ok(isAlive(zombie, start));
    assert.ok(await waitForExit(zombie, start, 3000));
    assert.is(readProcStat(zombie)?.state, 'Z');
    assert.not.ok(isAlive(zombie, start));
  } finally {
    parent.kill('SIGKILL');
  }
});

alive('a process that exits', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const start = readPidStart(child.pid);
  assert.ok(isAlive(child.pid, start));
  assert.not.ok(await waitForExit(child.pid, start, 30));
  child.kill('SIGKILL');
  // Dead from the moment it is a zombie, before node reaps it.
  assert.ok(await waitForExit(child.pid, start, 2000));
  assert.not.ok(isAlive(child.pid, start));
});

alive.run();
