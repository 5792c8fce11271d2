import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, cli, killGroup, ok, procState, startCli, tempRoot, until } from '../fixtures/cli-harness.js';

async function stateOf(root, id) {
  return JSON.parse(ok(await cli(root, 'state', id)));
}

async function eventsOf(root, id) {
  return ok(await cli(root, 'events', id, '--format', 'json')).trim().split('\n').map((line) => JSON.parse(line));
}

// The last event once it has the wanted type (the monitor appends asynchronously).
async function lastEvent(root, id, type) {
  return until(async () => {
    const events = await eventsOf(root, id);
    const last = events[events.length - 1];
    return last.type === type ? last : null;
  });
}

// ---

const real = suite('a real process', { root: '', pids: [] });

real.before.each((ctx) => { ctx.root = tempRoot(); ctx.pids = []; });
real.after.each((ctx) => {
  for (const pid of ctx.pids) killGroup(pid);
  fs.rmSync(ctx.root, { recursive: true, force: true });
});

real('create, start, pause, resume, kill, delete', async (ctx) => {
  const { root } = ctx;
  ok(await cli(root, 'create', 'web', '--', 'sleep', '30'));
  assert.equal(await cli(root, 'start', 'web'), { code: 0, stdout: '', stderr: '' });
  const running = await stateOf(root, 'web');
  ctx.pids.push(running.pid);
  assert.is(running.status, 'running');
  assert.ok(running.pid > 0);
  // Own process group (and session): pause/resume/kill reach all of it.
  const stat = fs.readFileSync(`/proc/${running.pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  assert.is(Number(fields[2]), running.pid, 'leads its process group');
  const started = (await eventsOf(root, 'web'))[1];
  assert.equal(started.data.pid, running.pid);
  assert.equal(started.data.pidStart, Number(fields[19]));

  ok(await cli(root, 'pause', 'web'));
  assert.is(await until(() => procState(running.pid) === 'T'), true, 'stopped by SIGSTOP');
  assert.is((await stateOf(root, 'web')).status, 'paused');

  ok(await cli(root, 'resume', 'web'));
  assert.is(await until(() => procState(running.pid) === 'S'), true, 'running again');
  assert.is((await stateOf(root, 'web')).status, 'running');

  ok(await cli(root, 'kill', 'web'));
  const exited = await lastEvent(root, 'web', 'exited');
  assert.ok(exited, 'the monitor records the exit');
  assert.equal(exited.data, { signal: 'SIGTERM' });
  assert.is(procState(running.pid), null);
  assert.is((await stateOf(root, 'web')).status, 'stopped');
  assert.equal((await eventsOf(root, 'web')).map((e) => e.type), ['created', 'started', 'paused', 'resumed', 'killed', 'exited']);

  ok(await cli(root, 'delete', 'web'));
  const r = await cli(root, 'state', 'web');
  assert.is(r.code, 1);
});

real('the monitor records the exit code; output goes to files in the container dir', async ({ root }) => {
  ok(await cli(root, 'create', 'job', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'));
  ok(await cli(root, 'start', 'job'));
  const exited = await lastEvent(root, 'job', 'exited');
  assert.equal(exited?.data, { code: 3 });
  assert.is((await stateOf(root, 'job')).status, 'stopped');
  const dir = path.join(root, 'job');
  assert.is(fs.readFileSync(path.join(dir, 'stdout.log'), 'utf8'), 'out\n');
  assert.is(fs.readFileSync(path.join(dir, 'stderr.log'), 'utf8'), 'err\n');
  assert.is(fs.statSync(path.join(dir, 'stdout.log')).mode & 0o777 & ~0o640, 0, 'no wider than 0640');
});

real('a process killed outside runstate shows stopped, and is recorded by the next command', async (ctx) => {
  const { root } = ctx;
  ok(await cli(root, 'create', 'web', '--', 'sleep', '30'));
  ok(await cli(root, 'start', 'web'));
  const { pid } = await stateOf(root, 'web');
  ctx.pids.push(pid);
  // Kill the monitor first so nobody records the exit, then the process.
  const monitor = JSON.parse(fs.readFileSync(path.join(root, 'web', 'monitor.json'), 'utf8'));
  assert.is(monitor.child, pid);
  process.kill(monitor.pid, 'SIGKILL');
  process.kill(pid, 'SIGKILL');
  await until(() => procState(pid) === null || procState(pid) === 'Z');
  const shown = await stateOf(root, 'web');
  assert.equal([shown.status, shown.pid], ['stopped', 0], 'as a recorded exit shows it');
  const listed = JSON.parse(ok(await cli(root, 'list', '--format', 'json')));
  assert.equal([listed[0].status, listed[0].pid], ['stopped', 0]);
  // Reads never append.
  assert.is((await eventsOf(root, 'web')).length, 2);
  // A command that acts records what it saw first, then decides (pause is refused).
  const r = await cli(root, 'pause', 'web');
  assert.is(r.code, 1);
  assert.match(r.stderr, /EBADTRANSITION.*state stopped/);
  assert.equal((await eventsOf(root, 'web')).map((e) => e.type), ['created', 'started', 'exited']);
  ok(await cli(root, 'delete', 'web'));
});

real('delete --force kills a running process group', async (ctx) => {
  const { root } = ctx;
  ok(await cli(root, 'create', 'web', '--', 'sh', '-c', 'sleep 30 & wait'));
  ok(await cli(root, 'start', 'web'));
  const { pid } = await stateOf(root, 'web');
  ctx.pids.push(pid);
  ok(await cli(root, 'pause', 'web'));
  ok(await cli(root, 'delete', '--force', 'web'));
  assert.ok(await until(() => procState(pid) === null), 'process gone');
  assert.is((await cli(root, 'state', 'web')).code, 1);
});

real('a command that cannot run: ESPAWN, the container stays created', async ({ root }) => {
  ok(await cli(root, 'create', 'web', '--', 'no-such-command-runstate'));
  const r = await cli(root, 'start', 'web');
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^runstate: ESPAWN: cannot run "no-such-command-runstate"/);
  assert.is((await stateOf(root, 'web')).status, 'created');
  assert.is((await eventsOf(root, 'web')).length, 1);
});

real('an empty program name is refused at create, which creates nothing', async ({ root }) => {
  const r = await cli(root, 'create', 'web', '--', '', 'arg');
  assert.equal([r.code, r.stdout], [1, '']);
  assert.is(r.stderr, 'runstate: EINVALID: the command to run is an empty string: give a program name or path\n');
  assert.is((await cli(root, 'state', 'web')).code, 1);
  // An empty argument after the program is an argument like any other.
  ok(await cli(root, 'create', 'web', '--', 'true', ''));
  assert.equal((await eventsOf(root, 'web'))[0].data.command, ['true', '']);
});

real('a symlinked stdout.log: EUNSAFEPATH, nothing written through it, the container stays created', async ({ root }) => {
  ok(await cli(root, 'create', 'web', '--', 'sh', '-c', 'echo leaked'));
  const victim = path.join(root, '..', `${path.basename(root)}-victim`);
  fs.symlinkSync(victim, path.join(root, 'web', 'stdout.log'));
  const r = await cli(root, 'start', 'web');
  assert.is(r.code, 1);
  assert.equal(r.stderr, `runstate: EUNSAFEPATH: ${path.join(root, 'web', 'stdout.log')} is a symlink; runstate never follows links inside its root\n`);
  assert.not.ok(fs.existsSync(victim));
  assert.is((await stateOf(root, 'web')).status, 'created');
});

real('kill sends the named signal to the process group', async (ctx) => {
  const { root } = ctx;
  ok(await cli(root, 'create', 'web', '--', 'sh', '-c', 'trap "" USR1; sleep 30 & wait'));
  ok(await cli(root, 'start', 'web'));
  const { pid } = await stateOf(root, 'web');
  ctx.pids.push(pid);
  ok(await cli(root, 'kill', 'web', 'USR2'));
  const exited = await lastEvent(root, 'web', 'exited');
  // USR2 is not trapped: the group dies of it.
  assert.equal(exited?.data, { signal: 'SIGUSR2' });
});

real('kill sends real-time signals; an exit Node cannot name is recorded without a code', async (ctx) => {
  const { root } = ctx;
  // bash names RTMIN+3 as kill -l does; the trap proves which signal arrived, then the shell dies of it.
  ok(await cli(root, 'create', 'web', '--', 'bash', '-c', 'trap "echo got RTMIN+3; trap - RTMIN+3; kill -RTMIN+3 $$" RTMIN+3; sleep 30 & wait'));
  ok(await cli(root, 'start', 'web'));
  const { pid } = await stateOf(root, 'web');
  ctx.pids.push(pid);
  ok(await cli(root, 'kill', 'web', 'rtmin+3'));
  const exited = await lastEvent(root, 'web', 'exited');
  assert.equal(exited?.data, {}, 'neither code 0 nor a guess');
  const events = await eventsOf(root, 'web');
  assert.equal(events.at(-2).data, { signal: 'SIGRTMIN+3' });
  assert.is(fs.readFileSync(path.join(root, 'web', 'stdout.log'), 'utf8'), 'got RTMIN+3\n');
  const state = await stateOf(root, 'web');
  assert.is(state.status, 'stopped');
  assert.is(state.exitCode, undefined);
  assert.is(state.exitSignal, undefined);
});

real('create --pid adopts a running process; only it is signalled', async (ctx) => {
  const { root } = ctx;
  // Not a group leader: it shares the test runner's group, which must not be hit.
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  ctx.pids.push(child.pid);
  ok(await cli(root, 'create', 'ext', '--pid', String(child.pid)));
  ok(await cli(root, 'start', 'ext'));
  const running = await stateOf(root, 'ext');
  assert.equal([running.status, running.pid], ['running', child.pid]);
  ok(await cli(root, 'pause', 'ext'));
  assert.ok(await until(() => procState(child.pid) === 'T'));
  ok(await cli(root, 'kill', 'ext', 'KILL'));
  await new Promise((resolve) => child.once('exit', resolve));
  // No monitor: shown stopped at once, recorded by the next command that acts.
  assert.is((await stateOf(root, 'ext')).status, 'stopped');
  assert.equal((await eventsOf(root, 'ext')).map((e) => e.type), ['created', 'started', 'paused', 'killed']);
  ok(await cli(root, 'delete', 'ext'));
  const history = fs.readdirSync(path.join(root, '.history', 'ext'));
  assert.is(history.length, 1);
});

real('create --pid of no process: EINVALID', async ({ root }) => {
  const r = await cli(root, 'create', 'ext', '--pid', String(2 ** 22 + 1));
  assert.is(r.code, 1);
  assert.match(r.stderr, /^runstate: EINVALID: no process with pid/);
  assert.is((await cli(root, 'state', 'ext')).code, 1);
});

real('events --follow streams stored then live events (from other processes) until the container is deleted', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  const following = startCli(root, 'events', 'web', '--follow', '--format', 'json');
  assert.ok(await until(() => following.out().includes('"created"')), 'the stored event comes first');
  ok(await bin(['--root', root, 'start', 'web']));
  ok(await bin(['--root', root, 'kill', 'web']));
  assert.ok(await until(() => following.out().includes('"exited"')), 'live events as they are appended');
  ok(await bin(['--root', root, 'delete', 'web']));
  const r = await following.done;
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.equal(r.stdout.trim().split('\n').map((l) => JSON.parse(l).type), ['created', 'started', 'killed', 'exited', 'deleted']);
  assert.equal([following.listeners('SIGINT'), following.listeners('SIGTERM')], [0, 0], 'signal handlers removed');
});

real('events --follow after retention pruned the first events: what is kept, then live ones', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  ok(await cli(root, 'annotate', 'web', 'a=1'));
  ok(await cli(root, 'compact', 'web', '--keep-segments', '0'));
  const following = startCli(root, 'events', 'web', '--follow', '--format', 'json');
  ok(await bin(['--root', root, 'annotate', 'web', 'a=2']));
  assert.ok(await until(() => following.out().includes('"annotated"')), 'a live event');
  ok(await bin(['--root', root, 'delete', 'web']));
  const r = await following.done;
  assert.equal([r.code, r.stderr], [0, '']);
  assert.equal(r.stdout.trim().split('\n').map((l) => JSON.parse(l).seq), [3, 4]);
});

real('events --follow as a table, --since, and a stop by SIGINT (130) or SIGTERM (143)', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  ok(await cli(root, 'start', 'web'));
  for (const [name, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    const following = startCli(root, 'events', 'web', '--follow', '--since', '1');
    assert.ok(await until(() => following.out().includes('started')));
    following.signal(name);
    const r = await following.done;
    assert.equal([r.code, r.stderr], [code, ''], name);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^SEQ\s+TIME\s+TYPE\s+ACTOR\s+DATA$/);
    assert.match(lines[1], /^2\s+\d{4}-\S+\s+started\s+pid \d+ uid \d+\s+pid=0 pidStart=0$/);
    assert.is(lines.length, 2);
    assert.is(following.listeners(name), 0);
  }
});

real('events --follow goes on across compactions and prints sealed events too', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  ok(await cli(root, 'start', 'web'));
  ok(await bin(['--root', root, 'compact', 'web']));
  const following = startCli(root, 'events', 'web', '--follow', '--format', 'json');
  assert.ok(await until(() => following.out().includes('"started"')), 'events of the sealed segment');
  ok(await bin(['--root', root, 'pause', 'web']));
  assert.ok(await until(() => following.out().includes('"paused"')));
  // A compaction while following replaces the active segment: the follow must not end.
  ok(await bin(['--root', root, 'compact', 'web']));
  ok(await bin(['--root', root, 'resume', 'web']));
  ok(await bin(['--root', root, 'compact', 'web']));
  ok(await bin(['--root', root, 'kill', 'web']));
  ok(await bin(['--root', root, 'delete', 'web']));
  const r = await following.done;
  assert.equal([r.code, r.stderr], [0, '']);
  assert.equal(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((e) => `${e.seq} ${e.type}`),
    ['1 created', '2 started', '3 paused', '4 resumed', '5 killed', '6 exited', '7 deleted']);
});

real('events --follow of a missing container: ENOTFOUND, stdout empty', async ({ root }) => {
  const following = startCli(root, 'events', 'nope', '--follow');
  const r = await following.done;
  assert.equal([r.code, r.stdout], [1, '']);
  assert.match(r.stderr, /^runstate: ENOTFOUND: /);
  assert.is(following.listeners('SIGINT'), 0);
});

real.run();
