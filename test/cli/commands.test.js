import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { cli, ok, tempRoot } from '../fixtures/cli-harness.js';

// Failure contract: exit 1, nothing on stdout, one "runstate: CODE: …" line.
function failed(result, code, pattern) {
  assert.is(result.code, 1, result.stderr);
  assert.is(result.stdout, '');
  assert.match(result.stderr, new RegExp(`^runstate: ${code}: [^\\n]+\\n$`));
  if (pattern) assert.match(result.stderr, pattern);
}

async function stateOf(root, id) {
  return JSON.parse(ok(await cli(root, 'state', id)));
}

async function eventsOf(root, id) {
  return ok(await cli(root, 'events', id, '--format', 'json')).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

// ---

const record = suite('commands on a container without a process', { root: '' });

record.before.each((ctx) => { ctx.root = tempRoot(); });
record.after.each((ctx) => { fs.rmSync(ctx.root, { recursive: true, force: true }); });

record('create then state prints OCI state JSON', async ({ root }) => {
  const r = await cli(root, 'create', 'web', '--bundle', '/srv/web', '--annotation', 'a=1', '--annotation', 'b=x=y');
  assert.equal(r, { code: 0, stdout: '', stderr: '' });
  const s = await stateOf(root, 'web');
  assert.equal(Object.keys(s), ['ociVersion', 'id', 'status', 'pid', 'bundle', 'annotations', 'created', 'seq']);
  assert.is(s.id, 'web');
  assert.is(s.status, 'created');
  assert.is(s.pid, 0);
  assert.is(s.bundle, '/srv/web');
  assert.equal(s.annotations, { a: '1', b: 'x=y' });
  assert.is(s.seq, 1);
  assert.ok(!Number.isNaN(Date.parse(s.created)));
});

record('bundle defaults to the current directory, relative bundles resolve', async ({ root }) => {
  ok(await cli(root, 'create', 'a'));
  ok(await cli(root, 'create', 'b', '--bundle', 'sub'));
  assert.is((await stateOf(root, 'a')).bundle, process.cwd());
  assert.is((await stateOf(root, 'b')).bundle, path.join(process.cwd(), 'sub'));
});

record('create of an existing id: EEXIST', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  failed(await cli(root, 'create', 'web'), 'EEXIST', /"web"/);
});

record('create with an empty or reserved annotation key: EINVALID, nothing made', async ({ root }) => {
  failed(await cli(root, 'create', 'web', '--annotation', '=v'), 'EINVALID', /must not be empty/);
  failed(await cli(root, 'create', 'web', '--annotation', 'ok=1', '--annotation', '__proto__=v'), 'EINVALID', /reserved/);
  failed(await cli(root, 'state', 'web'), 'ENOTFOUND');
});

record('missing container: ENOTFOUND everywhere', async ({ root }) => {
  for (const args of [['state', 'nope'], ['start', 'nope'], ['pause', 'nope'], ['kill', 'nope'], ['delete', 'nope'], ['events', 'nope'], ['replay', 'nope', '--at-seq', '1'], ['verify', 'nope']]) {
    failed(await cli(root, ...args), 'ENOTFOUND');
  }
});

record('start, pause, resume, kill record the lifecycle', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  assert.equal(await cli(root, 'start', 'web'), { code: 0, stdout: '', stderr: '' });
  assert.is((await stateOf(root, 'web')).status, 'running');
  ok(await cli(root, 'pause', 'web'));
  assert.is((await stateOf(root, 'web')).status, 'paused');
  ok(await cli(root, 'resume', 'web'));
  assert.is((await stateOf(root, 'web')).status, 'running');
  // No process: the kill stops it at once.
  ok(await cli(root, 'kill', 'web', 'KILL'));
  const s = await stateOf(root, 'web');
  assert.is(s.status, 'stopped');
  assert.equal((await eventsOf(root, 'web')).map((e) => e.type), ['created', 'started', 'paused', 'resumed', 'killed', 'exited']);
  assert.equal((await eventsOf(root, 'web'))[4].data, { signal: 'SIGKILL' });
});

record('kill defaults to SIGTERM and takes numbers', async ({ root }) => {
  ok(await cli(root, 'create', 'a'));
  ok(await cli(root, 'create', 'b'));
  ok(await cli(root, 'kill', 'a'));
  ok(await cli(root, 'kill', 'b', '9'));
  assert.equal((await eventsOf(root, 'a'))[1].data, { signal: 'SIGTERM' });
  assert.equal((await eventsOf(root, 'b'))[1].data, { signal: 'SIGKILL' });
});

record('a refused transition changes nothing', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  const before = await eventsOf(root, 'web');
  failed(await cli(root, 'pause', 'web'), 'EBADTRANSITION', /cannot pause container "web" in state created/);
  failed(await cli(root, 'resume', 'web'), 'EBADTRANSITION');
  ok(await cli(root, 'start', 'web'));
  failed(await cli(root, 'start', 'web'), 'EBADTRANSITION', /in state running/);
  failed(await cli(root, 'delete', 'web'), 'EBADTRANSITION', /force/);
  assert.is((await eventsOf(root, 'web')).length, before.length + 1);
  assert.is((await stateOf(root, 'web')).status, 'running');
});

record('an unknown signal is EINVALID and appends nothing', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  ok(await cli(root, 'start', 'web'));
  for (const signal of ['FOO', 'SIGFOO', '0', '99999']) {
    failed(await cli(root, 'kill', 'web', signal), 'EINVALID', /unknown signal/);
  }
  assert.is((await eventsOf(root, 'web')).length, 2);
});

record('delete: created or stopped only; --force otherwise; history kept; id reusable', async ({ root }) => {
  ok(await cli(root, 'create', 'a'));
  assert.equal(await cli(root, 'delete', 'a'), { code: 0, stdout: '', stderr: '' });
  failed(await cli(root, 'state', 'a'), 'ENOTFOUND');
  ok(await cli(root, 'create', 'a'));
  ok(await cli(root, 'start', 'a'));
  const refused = await cli(root, 'delete', 'a');
  failed(refused, 'EBADTRANSITION');
  assert.is(refused.stderr, 'runstate: EBADTRANSITION: cannot delete container "a" in state running (stop it first, or use --force)\n');
  ok(await cli(root, 'pause', 'a'));
  failed(await cli(root, 'delete', 'a'), 'EBADTRANSITION', /in state paused \(stop it first, or use --force\)\n$/);
  ok(await cli(root, 'delete', '--force', 'a'));
  failed(await cli(root, 'state', 'a'), 'ENOTFOUND');
  assert.ok(fs.readdirSync(path.join(root, '.history', 'a')).length >= 1, 'history kept');
  ok(await cli(root, 'create', 'a'));
  assert.is((await stateOf(root, 'a')).seq, 1);
});

record('delete finishes a delete whose move was cut short', async ({ root }) => {
  const { openStore } = await import('../../dist/index.js');
  const store = await openStore({ root, durability: 'none' });
  const { created } = await store.create('web');
  const { logId } = JSON.parse(fs.readFileSync(path.join(root, 'web', 'meta.json'), 'utf8'));
  const dest = path.join(root, '.history', 'web', `${created.replace(/:/g, '-')}-${logId}`);
  fs.mkdirSync(path.join(dest, 'taken'), { recursive: true });
  try { await store.delete('web'); assert.unreachable(); } catch (e) { assert.ok(['ENOTEMPTY', 'EEXIST'].includes(e.code), e.code); }
  await store.close();
  fs.rmSync(dest, { recursive: true });
  failed(await cli(root, 'state', 'web'), 'ENOTFOUND', /was deleted/);
  ok(await cli(root, 'delete', 'web'));
  assert.not.ok(fs.existsSync(path.join(root, 'web')));
  assert.is(JSON.parse(ok(await cli(root, 'deleted', 'web', '--json'))).length, 1);
  failed(await cli(root, 'delete', 'web'), 'ENOTFOUND');
});

record('list: table, json, -q; sorted by id', async ({ root }) => {
  assert.equal(await cli(root, 'list', '-q'), { code: 0, stdout: '', stderr: '' });
  assert.equal(JSON.parse(ok(await cli(root, 'list', '--format', 'json'))), []);
  ok(await cli(root, 'create', 'web', '--bundle', '/b/web'));
  ok(await cli(root, 'create', 'db', '--bundle', '/b/db'));
  ok(await cli(root, 'start', 'web'));
  assert.is(ok(await cli(root, 'list', '-q')), 'db\nweb\n');
  const rows = JSON.parse(ok(await cli(root, 'list', '--format', 'json')));
  assert.equal(rows.map((r) => [r.id, r.status, r.bundle]), [['db', 'created', '/b/db'], ['web', 'running', '/b/web']]);
  const lines = ok(await cli(root, 'list')).trimEnd().split('\n');
  assert.is(lines.length, 3);
  assert.match(lines[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED$/);
  assert.match(lines[1], /^db\s+0\s+created\s+\/b\/db\s+\d{4}-/);
  assert.match(lines[2], /^web\s+0\s+running\s+\/b\/web\s+\d{4}-/);
});

record('list, list -q, events: control characters in the data are escaped in tables, and in JSON as JSON escapes', async ({ root }) => {
  const bundle = '/tmp/\x1b[31mRED\x1b[0m\x9b';
  ok(await cli(root, 'create', 'esc', '--bundle', bundle, '--annotation', 'k=a\tb'));
  fs.mkdirSync(path.join(root, 'x\x1b[2J'));
  for (const args of [['list'], ['list', '-q'], ['events', 'esc']]) {
    const out = ok(await cli(root, ...args));
    assert.not.match(out, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, args.join(' '));
  }
  assert.match(ok(await cli(root, 'list')), /^esc\s+0\s+created\s+\/tmp\/\\x1b\[31mRED\\x1b\[0m\\x9b\s/m);
  assert.match(ok(await cli(root, 'list')), /^x\\x1b\[2J\s+-\s+unknown/m);
  assert.is(ok(await cli(root, 'list', '-q')), 'esc\nx\\x1b[2J\n');
  assert.match(ok(await cli(root, 'events', 'esc')), /bundle=\/tmp\/\\x1b\[31mRED\\x1b\[0m\\x9b annotations=\{"k":"a\\tb"\}/);
  const [entry] = JSON.parse(ok(await cli(root, 'list', '--json'))).filter((e) => e.id === 'esc');
  assert.is(entry.bundle, bundle);
  // JSON output: the same strings once parsed, and no raw control character, DEL and C1 included.
  for (const args of [['list', '--json'], ['events', 'esc', '--json'], ['state', 'esc'], ['replay', 'esc', '--at-seq', '1']]) {
    const out = ok(await cli(root, ...args));
    assert.not.match(out, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, args.join(' '));
    assert.ok(out.includes('\\u009b'), args.join(' '));
  }
  assert.is(JSON.parse(ok(await cli(root, 'state', 'esc'))).bundle, bundle);
  // Reports and errors name the stray directory too: escaped as well.
  for (const args of [['verify', '--all'], ['compact', '--all']]) {
    const r = await cli(root, ...args);
    assert.match(r.stderr, /x\\u001b\[2J/, args.join(' '));
    assert.not.match(r.stdout + r.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, args.join(' '));
  }
  assert.is(JSON.parse(ok(await cli(root, 'events', 'esc', '--json'))).data.bundle, bundle);
});

record('annotate sets (key=value) and removes (key-) in one event, in any status; bad changes append nothing', async ({ root }) => {
  ok(await cli(root, 'create', 'web', '--annotation', 'team=edge'));
  assert.equal(await cli(root, 'annotate', 'web', 'note=a=b', 'empty=', 'team-'), { code: 0, stdout: '', stderr: '' });
  let st = JSON.parse(ok(await cli(root, 'state', 'web')));
  assert.equal(st.annotations, { note: 'a=b', empty: '' });
  const last = (await eventsOf(root, 'web')).at(-1);
  assert.equal([last.seq, last.type, last.data], [2, 'annotated', { annotations: { note: 'a=b', empty: '', team: null } }]);
  ok(await cli(root, 'kill', 'web'));
  ok(await cli(root, 'annotate', 'web', 'after=stop'));
  st = JSON.parse(ok(await cli(root, 'state', 'web')));
  assert.equal([st.status, st.annotations.after], ['stopped', 'stop']);
  for (const bad of [['x'], ['-'], []]) {
    const r = await cli(root, 'annotate', 'web', ...bad);
    assert.is(r.code, 2, bad.join(' '));
    assert.match(r.stderr, /^runstate: EUSAGE: (expected key=value or key-|missing required argument)/);
  }
  const reserved = await cli(root, 'annotate', 'web', '__proto__=x');
  assert.equal([reserved.code, reserved.stderr], [1, 'runstate: EINVALID: the annotation key "__proto__" is reserved\n']);
  const empty = await cli(root, 'annotate', 'web', 'ok=1', '=v');
  assert.equal([empty.code, empty.stderr], [1, 'runstate: EINVALID: annotation keys must not be empty\n']);
  assert.is((await eventsOf(root, 'web')).length, 5, 'created, annotated, killed, exited, annotated');
  const missing = await cli(root, 'annotate', 'nosuch', 'k=v');
  assert.match(missing.stderr, /^runstate: ENOTFOUND: /);
});

record('--json is --format json for list, events and deleted: both may be given, not with another --format', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  ok(await cli(root, 'delete', 'web'));
  ok(await cli(root, 'create', 'web'));
  for (const args of [['list'], ['events', 'web'], ['deleted', 'web']]) {
    const json = ok(await cli(root, ...args, '--format', 'json'));
    assert.is(ok(await cli(root, ...args, '--json')), json, args[0]);
    assert.is(ok(await cli(root, ...args, '--json', '--format', 'json')), json, args[0]);
    assert.is(ok(await cli(root, ...args, '--format=json', '--json')), json, args[0]);
    for (const both of [['--json', '--format', 'table'], ['--format', 'table', '--json']]) {
      const r = await cli(root, ...args, ...both);
      assert.equal([r.code, r.stdout], [2, ''], args[0]);
      assert.is(r.stderr, "runstate: EUSAGE: option '--json' cannot be used with option '--format table'\n");
    }
  }
  assert.is(JSON.parse(ok(await cli(root, 'deleted', 'web', '--json'))).length, 1);
});

record('list -q prints ids only: with --json or --format it is a usage error', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  assert.is(ok(await cli(root, 'list', '-q')), 'web\n');
  for (const [flags, other] of [[['-q', '--json'], "'--json'"], [['--quiet', '--format', 'json'], "'--format <format>'"], [['--format', 'table', '-q'], "'--format <format>'"]]) {
    const r = await cli(root, 'list', ...flags);
    assert.equal([r.code, r.stdout], [2, ''], flags.join(' '));
    assert.is(r.stderr, `runstate: EUSAGE: option '-q, --quiet' cannot be used with option ${other}\n`);
  }
});

record('list shows a damaged container with its error and goes on', async ({ root }) => {
  ok(await cli(root, 'create', 'good'));
  ok(await cli(root, 'create', 'bad'));
  ok(await cli(root, 'start', 'bad'));
  // Replace the log with garbage and drop the cache: nothing readable is left.
  const dir = path.join(root, 'bad');
  for (const name of fs.readdirSync(dir)) {
    if (name !== 'lock') fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(dir, 'events.log'), Buffer.alloc(300, 0x5a));
  const rows = JSON.parse(ok(await cli(root, 'list', '--format', 'json')));
  assert.is(rows.length, 2);
  assert.equal([rows[0].id, rows[0].status], ['bad', 'unknown']);
  assert.match(rows[0].error.code, /^E[A-Z]+$/);
  assert.is(rows[1].status, 'created');
  const table = ok(await cli(root, 'list'));
  assert.match(table, /ERROR/);
  assert.match(table, /bad\s+-\s+unknown/);
  assert.is(ok(await cli(root, 'list', '-q')), 'bad\ngood\n');
  const r = await cli(root, 'state', 'bad');
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
});

record('events: table, NDJSON, --since', async ({ root }) => {
  ok(await cli(root, 'create', 'web', '--', 'sleep', '100'));
  ok(await cli(root, 'kill', 'web'));
  const events = await eventsOf(root, 'web');
  assert.equal(events.map((e) => [e.seq, e.type]), [[1, 'created'], [2, 'killed'], [3, 'exited']]);
  for (const e of events) {
    assert.equal(Object.keys(e), ['seq', 'type', 'at', 'actor', 'data']);
    assert.is(e.actor.pid, process.pid);
  }
  assert.equal(events[0].data.command, ['sleep', '100']);
  const since = ok(await cli(root, 'events', 'web', '--since', '1', '--format', 'json')).trim().split('\n').map((l) => JSON.parse(l).seq);
  assert.equal(since, [2, 3]);
  assert.is(ok(await cli(root, 'events', 'web', '--since', '3', '--format', 'json')), '');
  const table = ok(await cli(root, 'events', 'web')).trimEnd().split('\n');
  assert.match(table[0], /^SEQ\s+TIME\s+TYPE\s+ACTOR\s+DATA$/);
  assert.match(table[1], /^1\s+\d{4}-\S+\s+created\s+pid \d+ uid \d+\s+.*command=\["sleep","100"\]/);
  assert.match(table[2], /^2\s+\S+\s+killed\s+.*signal=SIGTERM$/);
});

record('replay --at-seq and --at-time', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  ok(await cli(root, 'start', 'web'));
  ok(await cli(root, 'pause', 'web'));
  const first = JSON.parse(ok(await cli(root, 'replay', 'web', '--at-seq', '1')));
  assert.is(first.status, 'created');
  assert.is(first.seq, 1);
  assert.is(JSON.parse(ok(await cli(root, 'replay', 'web', '--at-seq', '2'))).status, 'running');
  const events = await eventsOf(root, 'web');
  const atTime = JSON.parse(ok(await cli(root, 'replay', 'web', '--at-time', events[2].at)));
  assert.is(atTime.status, 'paused');
  // The same instant as a clock two hours behind UTC reads it: read without its offset, it would
  // be before the container existed.
  const west = `${new Date(Date.parse(events[2].at) - 2 * 3600_000).toISOString().slice(0, -1)}-02:00`;
  assert.is(JSON.parse(ok(await cli(root, 'replay', 'web', '--at-time', west))).status, 'paused');
});

record('deleted, events --deleted, replay --deleted: the history of deleted containers', async ({ root }) => {
  assert.is(ok(await cli(root, 'deleted', 'web')), '');
  ok(await cli(root, 'create', 'web', '--annotation', 'gen=one'));
  ok(await cli(root, 'kill', 'web'));
  ok(await cli(root, 'delete', 'web'));
  ok(await cli(root, 'create', 'web', '--annotation', 'gen=two'));
  ok(await cli(root, 'delete', 'web'));
  const kept = JSON.parse(ok(await cli(root, 'deleted', 'web', '--format', 'json')));
  assert.equal(kept.map((d) => d.seq), [4, 2]);
  const lines = ok(await cli(root, 'deleted', 'web')).trim().split('\n');
  assert.match(lines[0], /^REF\s+CREATED\s+DELETED\s+EVENTS$/);
  assert.ok(lines[1].startsWith(kept[0].ref));
  // Alone, --deleted reads the container deleted last; with a ref, that one.
  const last = ok(await cli(root, 'events', 'web', '--deleted', '--format', 'json')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(last.map((e) => e.type), ['created', 'deleted']);
  assert.is(last[0].data.annotations.gen, 'two');
  const first = ok(await cli(root, 'events', 'web', '--deleted', kept[0].ref, '--format', 'json')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(first.map((e) => e.type), ['created', 'killed', 'exited', 'deleted']);
  const then = JSON.parse(ok(await cli(root, 'replay', 'web', '--deleted', kept[0].ref, '--at-seq', '3')));
  assert.equal([then.status, then.annotations.gen], ['stopped', 'one']);
  failed(await cli(root, 'events', 'web'), 'ENOTFOUND');
  failed(await cli(root, 'events', 'web', '--deleted', 'nope'), 'ENOTFOUND', /no deleted container "web" with ref nope/);
  failed(await cli(root, 'replay', 'web', '--deleted', '../x', '--at-seq', '1'), 'EINVALID');
  const both = await cli(root, 'events', 'web', '--deleted', '--follow');
  assert.is(both.code, 2);
  assert.match(both.stderr, /--follow and --deleted/);
});

record('purge: one ref, latest, all of an id, --before, --all; one line each or --json; nothing matched is exit 0', async ({ root }) => {
  const lifetime = async (id, gen) => {
    ok(await cli(root, 'create', id, '--annotation', `gen=${gen}`));
    ok(await cli(root, 'delete', id));
  };
  for (const gen of ['one', 'two', 'three', 'four']) await lifetime('web', gen);
  await lifetime('db', 'one');
  ok(await cli(root, 'create', 'web', '--annotation', 'gen=live'));
  const kept = JSON.parse(ok(await cli(root, 'deleted', 'web', '--json')));
  assert.is(kept.length, 4);
  // One ref: one line, `id: purged <ref> (deleted <time>, N events)`.
  assert.is(ok(await cli(root, 'purge', 'web', kept[1].ref)), `web: purged ${kept[1].ref} (deleted ${kept[1].deleted}, 2 events)\n`);
  failed(await cli(root, 'purge', 'web', kept[1].ref), 'ENOTFOUND', new RegExp(`no deleted container "web" with ref ${kept[1].ref} is kept`));
  failed(await cli(root, 'purge', 'web', '../x'), 'EINVALID');
  failed(await cli(root, 'events', 'web', '--deleted', kept[1].ref), 'ENOTFOUND');
  // latest, as JSON: the entries `deleted --json` listed.
  assert.equal(JSON.parse(ok(await cli(root, 'purge', 'web', 'latest', '--json'))), [kept[3]]);
  // --before: those deleted before it go, the one deleted at it stays.
  const at = kept[2].deleted;
  assert.is(ok(await cli(root, 'purge', 'web', '--before', at)), `web: purged ${kept[0].ref} (deleted ${kept[0].deleted}, 2 events)\n`);
  // Nothing matched: no output, exit 0 (JSON: an empty array).
  assert.equal(await cli(root, 'purge', 'web', '--before', at), { code: 0, stdout: '', stderr: '' });
  assert.equal(await cli(root, 'purge', 'nothing-here'), { code: 0, stdout: '', stderr: '' });
  assert.is(ok(await cli(root, 'purge', 'web', '--before', '2000-01-01', '--json')), '[]\n');
  // --all: every id's, by id.
  const lines = ok(await cli(root, 'purge', '--all')).trim().split('\n');
  assert.is(lines.length, 2);
  assert.match(lines[0], /^db: purged \S+ \(deleted \S+, 2 events\)$/);
  assert.is(lines[1], `web: purged ${kept[2].ref} (deleted ${kept[2].deleted}, 2 events)`);
  assert.equal(fs.readdirSync(path.join(root, '.history')), []);
  assert.equal(await cli(root, 'purge', '--all'), { code: 0, stdout: '', stderr: '' });
  // The live container is untouched.
  const live = await stateOf(root, 'web');
  assert.equal([live.status, live.annotations.gen], ['created', 'live']);
  // A symlink where a history should be: refused, nothing removed.
  await lifetime('db', 'two');
  fs.symlinkSync(path.join(root, '.history', 'db'), path.join(root, '.history', 'api'));
  failed(await cli(root, 'purge', '--all'), 'EUNSAFEPATH', /symlink/);
  assert.is(JSON.parse(ok(await cli(root, 'deleted', 'db', '--json'))).length, 1);
});

record('verify: ok report, --json, --all, exit 1 when damaged', async ({ root }) => {
  ok(await cli(root, 'create', 'a'));
  ok(await cli(root, 'create', 'b'));
  ok(await cli(root, 'start', 'b'));
  const human = ok(await cli(root, 'verify', 'a', 'b'));
  assert.is(human, 'a: ok (1 event, head seq 1)\nb: ok (2 events, head seq 2)\n');
  const reports = JSON.parse(ok(await cli(root, 'verify', '--all', '--json')));
  assert.equal(reports.map((r) => [r.id, r.ok, r.events]), [['a', true, 1], ['b', true, 2]]);
  // Flip one byte inside the first record: mid-log corruption.
  const log = path.join(root, 'b', 'events.log');
  const buf = fs.readFileSync(log);
  const at = Math.floor(buf.length / 3);
  buf[at] ^= 0xff;
  fs.writeFileSync(log, buf);
  const r = await cli(root, 'verify', '--all');
  assert.is(r.code, 1);
  assert.match(r.stdout, /^a: ok/m);
  assert.match(r.stdout, /^b: FAILED/m);
  assert.match(r.stdout, /events\.log offset \d+/);
  const j = await cli(root, 'verify', 'b', '--json');
  assert.is(j.code, 1);
  const [report] = JSON.parse(j.stdout);
  assert.is(report.ok, false);
  assert.ok(report.problems.some((p) => p.severity === 'error' && typeof p.offset === 'number'));
});

record('compact: snapshot and new segment, history intact, --keep-segments prunes, --json, usage', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  ok(await cli(root, 'start', 'web'));
  ok(await cli(root, 'pause', 'web'));
  const out = ok(await cli(root, 'compact', 'web'));
  assert.match(out, /^web: snapshot at seq 3, sealed .*segments\/000000000001-000000000003\.log\n$/);
  ok(await cli(root, 'resume', 'web'));
  assert.equal((await eventsOf(root, 'web')).map((e) => e.seq), [1, 2, 3, 4]);
  assert.is((await stateOf(root, 'web')).status, 'running');
  const [r] = JSON.parse(ok(await cli(root, 'compact', '--all', '--keep-segments', '0', '--json')));
  assert.equal([r.id, r.seq, r.pruned.length], ['web', 4, 2]);
  failed(await cli(root, 'replay', 'web', '--at-seq', '2'), 'EPRUNED');
  // events shows what retention kept; asking for pruned ones by --since is EPRUNED.
  assert.equal(await eventsOf(root, 'web'), []);
  ok(await cli(root, 'pause', 'web'));
  assert.equal((await eventsOf(root, 'web')).map((e) => e.seq), [5]);
  assert.match(ok(await cli(root, 'events', 'web')), /^SEQ +TIME +TYPE.*\n5 +\S+ +paused /);
  failed(await cli(root, 'events', 'web', '--since', '1'), 'EPRUNED');
  assert.match(ok(await cli(root, 'verify', 'web')), /^web: ok/);
  assert.is((await cli(root, 'compact')).code, 2);
  assert.is((await cli(root, 'compact', 'web', '--keep-segments', 'x')).code, 2);
  failed(await cli(root, 'compact', 'nope'), 'ENOTFOUND');
});

record('verify: warnings (EPRUNED, ETORN, EMETA) are printed with their severity and do not fail', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  ok(await cli(root, 'start', 'web'));
  ok(await cli(root, 'compact', 'web', '--keep-segments', '0'));
  ok(await cli(root, 'pause', 'web'));
  // A zero-filled tail: what a crash leaves after an unacknowledged append.
  fs.appendFileSync(path.join(root, 'web', 'events.log'), Buffer.alloc(40));
  ok(await cli(root, 'create', 'db'));
  fs.rmSync(path.join(root, 'db', 'meta.json'));
  const r = await cli(root, 'verify', '--all');
  assert.equal([r.code, r.stderr], [0, '']);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^db: ok \(1 event, head seq 1; 1 warning\)$/);
  assert.match(lines[1], /^ {2}warning EMETA at \S+meta\.json: /);
  assert.match(lines[2], /^web: ok \(1 event, head seq 3; 2 warnings\)$/);
  assert.match(r.stdout, /\n {2}warning EPRUNED at \S+events\.log offset 0: /);
  assert.match(r.stdout, /\n {2}warning ETORN at \S+events\.log offset \d+: /);
  const reports = JSON.parse(ok(await cli(root, 'verify', '--all', '--json')));
  assert.equal(reports.map((x) => [x.id, x.ok, x.problems.map((p) => `${p.severity} ${p.code}`).sort()]),
    [['db', true, ['warning EMETA']], ['web', true, ['warning EPRUNED', 'warning ETORN']]]);
});

record('compact --all: a container that cannot be compacted is reported, the others are compacted, exit 1', async ({ root }) => {
  ok(await cli(root, 'create', 'a'));
  ok(await cli(root, 'create', 'b'));
  ok(await cli(root, 'create', 'c'));
  // b's log is garbage: listed as broken, its compaction fails.
  fs.rmSync(path.join(root, 'b', 'meta.json'));
  fs.writeFileSync(path.join(root, 'b', 'events.log'), Buffer.alloc(300, 0x5a));
  const r = await cli(root, 'compact', '--all');
  assert.is(r.code, 1);
  assert.match(r.stdout, /^a: snapshot at seq 1, sealed \S+\nc: snapshot at seq 1, sealed \S+\n$/);
  assert.match(r.stderr, /^runstate: E[A-Z]+: [^\n]+\n$/);
  const j = await cli(root, 'compact', 'a', 'c', '--json');
  assert.equal([j.code, j.stderr], [0, '']);
  assert.equal(JSON.parse(j.stdout), [{ id: 'a', seq: 1, sealed: null, pruned: [] }, { id: 'c', seq: 1, sealed: null, pruned: [] }]);
});

record('verify --all, compact --all: a stray file or symlink in the root is reported as list reports it, exit 1', async ({ root }) => {
  ok(await cli(root, 'create', 'web'));
  fs.writeFileSync(path.join(root, 'afile'), '');
  fs.mkdirSync(path.join(root, '.elsewhere'));
  fs.symlinkSync(path.join(root, '.elsewhere'), path.join(root, 'alink'));
  const rows = JSON.parse(ok(await cli(root, 'list', '--json')));
  const listed = Object.fromEntries(rows.filter((r) => r.error).map((r) => [r.id, `runstate: ${r.error.code}: ${r.error.message}\n`]));
  assert.match(listed.afile, /^runstate: EUNSAFEPATH: \S+afile is not a directory\n$/);
  assert.match(listed.alink, /^runstate: EUNSAFEPATH: \S+alink is a symlink/);
  for (const args of [['verify', '--all'], ['verify', '--all', '--json'], ['compact', '--all'], ['compact', '--all', '--json']]) {
    const r = await cli(root, ...args);
    assert.is(r.code, 1, args.join(' '));
    assert.is(r.stderr, listed.afile + listed.alink, args.join(' '));
    assert.match(r.stdout, /web/, 'the container is still worked on');
  }
});

record('global options: --durability none and --lock-timeout are accepted', async ({ root }) => {
  assert.equal(await cli(root, '--durability', 'none', '--lock-timeout', '500', 'create', 'web'), { code: 0, stdout: '', stderr: '' });
  assert.is((await stateOf(root, 'web')).status, 'created');
});

record('global options after the command, the later one winning', async ({ root }) => {
  assert.equal(await cli(null, 'create', 'web', '--root', root, '--durability', 'none', '--lock-timeout', '500'), { code: 0, stdout: '', stderr: '' });
  assert.is(JSON.parse(ok(await cli(null, 'state', 'web', '--root', root))).status, 'created');
  assert.is(JSON.parse(ok(await cli(null, '--root', path.join(root, 'elsewhere'), 'state', 'web', '--root', root))).id, 'web');
  assert.match((await cli(null, 'list', '--root', root, '--durability', 'fast')).stderr, /^runstate: EUSAGE: .*fsync, none/);
});

record.run();
