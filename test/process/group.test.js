import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { waitForExit } from '../../dist/process/alive.js';
import { signalProcessGroup } from '../../dist/process/group.js';
import { readProcStat } from '../../dist/process/stat.js';
import { parseSignal } from '../../dist/process/signals.js';

const group = suite('signalProcessGroup');

// A detached leader (sh, then `sleep 31`) with a `sleep 30` in its group; prints that member's pid.
async function family() {
  const leader = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 31'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const member = Number((await new Promise((resolve) => leader.stdout.once('data', resolve))).toString());
  return { leader, member };
}

async function waitState(pid, want) {
  for (let i = 0; i < 200; i++) {
    if (readProcStat(pid)?.state === want) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return false;
}

group('stops, continues and kills the whole group of a leader', async () => {
  const { leader, member } = await family();
  try {
    assert.is(readProcStat(member).pgrp, leader.pid);
    assert.ok(signalProcessGroup(leader.pid, 'SIGSTOP'));
    assert.ok(await waitState(leader.pid, 'T'), 'leader stopped');
    assert.ok(await waitState(member, 'T'), 'member stopped');
    assert.ok(signalProcessGroup(leader.pid, 'SIGCONT'));
    assert.ok(await waitState(member, 'S'), 'member running again');
    assert.ok(signalProcessGroup(leader.pid, 'SIGKILL'));
    assert.ok(await waitForExit(member, undefined, 2000));
    assert.ok(await waitForExit(leader.pid, undefined, 2000));
  } finally {
    try { process.kill(-leader.pid, 'SIGKILL'); } catch {}
  }
});

group('a process that leads no group is signalled alone', async () => {
  const { leader, member } = await family();
  try {
    assert.ok(signalProcessGroup(member, 'SIGKILL'));
    assert.ok(await waitForExit(member, undefined, 2000));
    // The leader may run for a moment to reap its child; it must settle sleeping, not stopped or gone.
    assert.ok(await waitState(leader.pid, 'S'), 'the leader is untouched');
  } finally {
    try { process.kill(-leader.pid, 'SIGKILL'); } catch {}
  }
});

group('real-time signals are sent by number (SIGRTMIN+3, which systemd stops on)', async () => {
  // bash names the real-time signals as kill -l does; each trap says which one arrived.
  const script = 'trap "echo RTMIN+3; exit 0" RTMIN+3; trap "echo RTMIN+2; exit 1" RTMIN+2; trap "echo RTMIN+4; exit 1" RTMIN+4; echo ready; while :; do sleep 0.05; done';
  const leader = spawn('bash', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    let out = '';
    leader.stdout.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => leader.once('exit', resolve));
    while (!out.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(signalProcessGroup(leader.pid, parseSignal('RTMIN+3')));
    assert.is(await exited, 0);
    assert.is(out, 'ready\nRTMIN+3\n');
  } finally {
    try { process.kill(-leader.pid, 'SIGKILL'); } catch {}
  }
});

group('a gone process reports false', () => {
  assert.is(signalProcessGroup(2 ** 22 + 1, 'SIGTERM'), false);
});

group.run();
