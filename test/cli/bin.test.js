import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { BIN, bin, killGroup, ok, tempRoot, until } from '../fixtures/cli-harness.js';

// ---

const e2e = suite('bin/runstate.js end to end', { root: '', pids: [] });

e2e.before.each((ctx) => { ctx.root = tempRoot(); ctx.pids = []; });
e2e.after.each((ctx) => {
  for (const pid of ctx.pids) killGroup(pid);
  fs.rmSync(ctx.root, { recursive: true, force: true });
});

e2e('--version, usage error, failed operation', async ({ root }) => {
  const version = await bin(['--version']);
  assert.is(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const usage = await bin(['--root', root, 'bogus']);
  assert.equal([usage.code, usage.stdout], [2, '']);
  assert.match(usage.stderr, /^runstate: EUSAGE: unknown command 'bogus'/);
  const missing = await bin(['--root', root, 'state', 'nope']);
  assert.equal([missing.code, missing.stdout], [1, '']);
  assert.match(missing.stderr, /^runstate: ENOTFOUND: .*"nope".*\n$/);
  assert.not.match(missing.stderr, /\n\s+at /, 'no stack trace');
});

e2e('purge: what it removed on stdout, nothing to remove exit 0, a ref not kept exit 1', async ({ root }) => {
  for (const args of [['create', 'web'], ['delete', 'web']]) assert.is((await bin(['--root', root, ...args])).code, 0);
  const [kept] = JSON.parse((await bin(['--root', root, 'deleted', 'web', '--json'])).stdout);
  const purged = await bin(['--root', root, 'purge', 'web', '--json']);
  assert.equal([purged.code, purged.stderr, JSON.parse(purged.stdout)], [0, '', [kept]]);
  assert.equal(await bin(['--root', root, 'purge', 'web']), { code: 0, stdout: '', stderr: '' });
  const missing = await bin(['--root', root, 'purge', 'web', kept.ref]);
  assert.equal([missing.code, missing.stdout], [1, '']);
  assert.match(missing.stderr, /^runstate: ENOTFOUND: no deleted container "web" with ref \S+ is kept\n$/);
});

e2e('RUNSTATE_ROOT picks the root', async ({ root }) => {
  assert.is((await bin(['create', 'web'], { RUNSTATE_ROOT: root })).code, 0);
  const state = await bin(['--root', root, 'state', 'web']);
  assert.is(state.code, 0);
  assert.is(state.stderr, '');
  assert.is(JSON.parse(state.stdout).id, 'web');
});

e2e('a log read in one large buffer: its frames are checked at once, and damage is still found', async ({ root }) => {
  // The bundled CLI loads zlib's CRC only for large reads: this one reads 300 records from the start.
  const { openStore } = await import('../../dist/index.js');
  const store = await openStore({ root, durability: 'none' });
  await store.create('web', {});
  for (let i = 0; i < 300; i++) await store.annotate('web', { k: String(i) });
  await store.close();
  fs.rmSync(`${root}/web/meta.json`);
  const state = await bin(['--root', root, 'state', 'web']);
  assert.is(state.code, 0, state.stderr);
  assert.equal([JSON.parse(state.stdout).seq, JSON.parse(state.stdout).annotations.k], [301, '299']);
  const log = `${root}/web/events.log`;
  const bytes = fs.readFileSync(log);
  bytes[bytes.length >> 1] ^= 0x20;
  fs.writeFileSync(log, bytes);
  fs.rmSync(`${root}/web/meta.json`, { force: true });
  const verify = await bin(['--root', root, 'verify', 'web']);
  assert.is(verify.code, 1);
  assert.match(verify.stdout + verify.stderr, /ECORRUPT/);
});

e2e('a real sleep: start returns at once and the monitor outlives it', async (ctx) => {
  const { root } = ctx;
  assert.is((await bin(['--root', root, 'create', 'web', '--', 'sleep', '30'])).code, 0);
  const started = Date.now();
  const start = await bin(['--root', root, 'start', 'web']);
  assert.equal([start.code, start.stdout, start.stderr], [0, '', '']);
  assert.ok(Date.now() - started < 5000, 'start does not wait for the process');
  const state = JSON.parse((await bin(['--root', root, 'state', 'web'])).stdout);
  ctx.pids.push(state.pid);
  assert.is(state.status, 'running');
  assert.is((await bin(['--root', root, 'kill', 'web', 'SIGKILL'])).code, 0);
  const stopped = await until(async () => JSON.parse((await bin(['--root', root, 'state', 'web'])).stdout).status === 'stopped');
  assert.ok(stopped);
  assert.is((await bin(['--root', root, 'delete', 'web'])).code, 0);
});

e2e('concurrent starts: exactly one wins, one process runs', async (ctx) => {
  const { root } = ctx;
  assert.is((await bin(['--root', root, 'create', 'web', '--', 'sleep', '30'])).code, 0);
  const results = await Promise.all([1, 2, 3].map(() => bin(['--root', root, 'start', 'web'])));
  const state = JSON.parse((await bin(['--root', root, 'state', 'web'])).stdout);
  ctx.pids.push(state.pid);
  assert.equal(results.map((r) => r.code).sort(), [0, 1, 1]);
  for (const r of results.filter((x) => x.code === 1)) assert.match(r.stderr, /^runstate: EBADTRANSITION: /);
  const events = (await bin(['--root', root, 'events', 'web', '--format', 'json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.map((e) => e.type), ['created', 'started']);
  assert.is(state.pid, events[1].data.pid);
  assert.is((await bin(['--root', root, 'delete', '--force', 'web'])).code, 0);
});

// Spawn `runstate events <id> --follow`: { child, out(), exit: Promise<{ code, signal }> }.
function follow(root, id, ...args) {
  const child = spawn(process.execPath, [BIN, '--root', root, 'events', id, '--follow', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr: () => err })));
  return { child, out: () => out, exit };
}

e2e('events --follow: SIGINT exits 130, SIGTERM 143, quietly, leaving no process', async (ctx) => {
  const { root } = ctx;
  assert.is((await bin(['--root', root, 'create', 'web'])).code, 0);
  for (const [name, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    const f = follow(root, 'web', '--format', 'json');
    ctx.pids.push(f.child.pid);
    assert.ok(await until(() => f.out().includes('"created"'), 5000), 'stored events printed');
    f.child.kill(name);
    const r = await f.exit;
    assert.equal([r.code, r.signal, r.stderr()], [code, null, ''], name);
  }
});

e2e('events --follow: a delete right after the first line is followed to its end', async (ctx) => {
  const { root } = ctx;
  const { openStore } = await import('../../dist/index.js');
  for (let round = 0; round < 3; round++) {
    assert.is((await bin(['--root', root, 'create', 'web'])).code, 0);
    assert.is((await bin(['--root', root, 'annotate', 'web', 'a=1'])).code, 0);
    const f = follow(root, 'web', '--format', 'json');
    ctx.pids.push(f.child.pid);
    assert.ok(await until(() => f.out().includes('"created"'), 5000), 'stored events printed');
    // At once, from another process: no time for the follow to settle between stored and live events.
    const s = await openStore({ root, durability: 'none' });
    await s.annotate('web', { a: '2' });
    await s.delete('web');
    await s.close();
    const r = await f.exit;
    assert.equal([r.code, r.stderr()], [0, ''], `round ${round}`);
    assert.equal(f.out().trim().split('\n').map((l) => JSON.parse(l).type), ['created', 'annotated', 'annotated', 'deleted']);
  }
});

e2e('events --follow: a reader that goes away (EPIPE) ends it with 0', async (ctx) => {
  const { root } = ctx;
  assert.is((await bin(['--root', root, 'create', 'web'])).code, 0);
  const f = follow(root, 'web');
  ctx.pids.push(f.child.pid);
  assert.ok(await until(() => f.out().includes('created'), 5000));
  f.child.stdout.destroy();
  assert.is((await bin(['--root', root, 'start', 'web'])).code, 0);
  assert.is((await bin(['--root', root, 'pause', 'web'])).code, 0);
  const r = await f.exit;
  assert.equal([r.code, r.stderr()], [0, '']);
});

e2e.run();

// ---

const Pipe = suite('bin: closed stdout');

Pipe('a reader that goes away early is not a crash', () => {
  const r = spawnSync('sh', ['-c', `node ${JSON.stringify(BIN)} --help | head -1`], { encoding: 'utf8' });
  assert.is(r.stdout.split('\n')[0], 'Usage: runstate [options] [command]');
  assert.not.match(r.stderr, /EPIPE|Unhandled/);
});

Pipe('a failed write of the results (ENOSPC) is exit 1, with the error once on stderr', () => {
  const root = tempRoot();
  const full = fs.openSync('/dev/full', 'w');
  try {
    assert.is(spawnSync(process.execPath, [BIN, '--root', root, 'create', 'web']).status, 0);
    for (const args of [['list'], ['list', '--json'], ['state', 'web'], ['events', 'web'], ['verify', 'web'], ['compact', 'web', '--json']]) {
      const r = spawnSync(process.execPath, [BIN, '--root', root, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      assert.equal([r.status, r.stderr], [1, 'runstate: ENOSPC: no space left on device, write\n'], args.join(' '));
    }
  } finally {
    fs.closeSync(full);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Pipe('a command that prints nothing is exit 0 on a stdout that cannot be written (ENOSPC), with its change made', async () => {
  const root = tempRoot();
  const full = fs.openSync('/dev/full', 'w');
  const run = (...args) => spawnSync(process.execPath, [BIN, '--root', root, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
  try {
    for (const args of [['create', 'web'], ['annotate', 'web', 'owner=ops'], ['deleted', 'web']]) {
      const r = run(...args);
      assert.equal([r.status, r.stderr], [0, ''], args.join(' '));
    }
    assert.equal(JSON.parse(ok(await bin(['--root', root, 'state', 'web']))).annotations, { owner: 'ops' });
    const r = run('delete', 'web');
    assert.equal([r.status, r.stderr], [0, ''], 'delete');
    assert.is(JSON.parse(ok(await bin(['--root', root, 'deleted', 'web', '--json']))).length, 1);
  } finally {
    fs.closeSync(full);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Pipe('a reader gone before the results are written (EPIPE) is still exit 0, quietly', async () => {
  const root = tempRoot();
  try {
    assert.is(spawnSync(process.execPath, [BIN, '--root', root, 'create', 'web']).status, 0);
    for (const args of [['list'], ['state', 'web']]) {
      const child = spawn(process.execPath, [BIN, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      // Closed before the process has started: its first write meets a pipe with no reader.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      const status = await new Promise((resolve) => child.once('close', resolve));
      assert.equal([status, stderr], [0, ''], args.join(' '));
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Pipe.run();
