import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseProcStat, readProcStat, readPidStart } from '../../dist/process/stat.js';

const tail = (start) => `S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0`;

// ---

const parse = suite('parseProcStat');

parse('reads fields 3, 4, 5, 6 and 22', () => {
  const s = parseProcStat(`4242 (sleep) ${tail(98765)}\n`);
  assert.equal(s, { pid: 4242, comm: 'sleep', state: 'S', ppid: 1, pgrp: 100, session: 100, startTime: 98765 });
});

parse('comm with spaces and parentheses', () => {
  const s = parseProcStat(`77 (a) (b c)) ${tail(5)}`);
  assert.is(s.comm, 'a) (b c)');
  assert.is(s.startTime, 5);
  assert.is(s.pgrp, 100);
});

parse('comm that looks like fields', () => {
  const s = parseProcStat(`9 (x) R 1 2 3 4) ${tail(123)}`);
  assert.is(s.comm, 'x) R 1 2 3 4');
  assert.is(s.state, 'S');
  assert.is(s.startTime, 123);
});

parse('comm with a newline', () => {
  assert.is(parseProcStat(`9 (a\nb) ${tail(7)}`).startTime, 7);
});

parse('garbage is null', () => {
  assert.is(parseProcStat(''), null);
  assert.is(parseProcStat('12 sleep S 1'), null);
  assert.is(parseProcStat('12 (sleep) S 1 2'), null);
  assert.is(parseProcStat(`x (sleep) ${tail(1)}`), null);
});

// ---

const read = suite('readProcStat', { dir: '' });

read.before((ctx) => { ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runstate-stat-')); });
read.after((ctx) => { fs.rmSync(ctx.dir, { recursive: true, force: true }); });

read('this process', () => {
  const s = readProcStat(process.pid);
  assert.is(s.pid, process.pid);
  assert.is(s.ppid, process.ppid);
  assert.ok(s.startTime > 0);
  assert.is(readPidStart(process.pid), s.startTime);
});

read('a real process whose name holds spaces and parentheses', async (ctx) => {
  // comm is the base name of the executed file: run sleep through an odd symlink.
  const odd = path.join(ctx.dir, 'a) (b c');
  fs.symlinkSync(fs.realpathSync('/bin/sleep'), odd);
  const child = spawn(odd, ['30'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => child.once('spawn', resolve));
    let s;
    for (let i = 0; i < 100; i++) {
      s = readProcStat(child.pid);
      if (s.comm === 'a) (b c') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.is(s.comm, 'a) (b c');
    assert.is(s.ppid, process.pid);
    assert.is(s.startTime, readPidStart(child.pid));
    assert.ok(s.startTime >= readPidStart(process.pid));
  } finally {
    child.kill('SIGKILL');
  }
});

read('no such process is undefined', () => {
  assert.is(readProcStat(2 ** 22 + 1), null);
  assert.is(readPidStart(2 ** 22 + 1), undefined);
});

read('a pid that is not a positive integer is a TypeError', () => {
  for (const bad of [0, -1, 1.5, '12', NaN]) {
    assert.throws(() => readPidStart(bad), (e) => e instanceof TypeError && /pid must be a positive integer/.test(e.message), String(bad));
  }
});

parse.run();
read.run();
