import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { cli, runArgv, tempRoot } from '../fixtures/cli-harness.js';
import { errorLine } from '../../dist/cli/errors.js';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

// Exit 2, nothing on stdout, one "runstate: EUSAGE: …" line on stderr.
function usage(result, pattern) {
  assert.is(result.code, 2, result.stderr);
  assert.is(result.stdout, '');
  assert.match(result.stderr, /^runstate: EUSAGE: .+\n$/);
  if (pattern) assert.match(result.stderr, pattern);
}

// ---

const help = suite('help and version');

help('--version prints the package version', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runArgv([flag]);
    assert.equal(r, { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  }
});

help('--help on the program and on every command', async () => {
  const r = await runArgv(['--help']);
  assert.is(r.code, 0);
  assert.is(r.stderr, '');
  for (const word of ['create', 'start', 'pause', 'resume', 'annotate', 'kill', 'delete', 'state', 'list', 'events', 'replay', 'deleted', 'purge', 'verify', 'compact', '--root', '--durability', '--lock-timeout', 'Exit status']) {
    assert.ok(r.stdout.includes(word), word);
  }
  for (const command of ['create', 'start', 'pause', 'resume', 'annotate', 'kill', 'delete', 'state', 'list', 'events', 'replay', 'deleted', 'purge', 'verify', 'compact']) {
    const sub = await runArgv([command, '--help']);
    assert.is(sub.code, 0, command);
    assert.is(sub.stderr, '');
    assert.match(sub.stdout, `Usage: runstate ${command}`);
  }
  const viaHelp = await runArgv(['help', 'state']);
  assert.is(viaHelp.code, 0);
  assert.match(viaHelp.stdout, 'Usage: runstate state');
});

help('help on help: the program\'s help on stdout, exit 0, as "help" alone', async () => {
  const plain = await runArgv(['help']);
  assert.is(plain.code, 0);
  assert.match(plain.stdout, /^Usage: runstate \[options\] \[command\]/);
  for (const args of [['help', '--help'], ['help', '-h'], ['--root', '/tmp', 'help', '--help']]) {
    assert.equal(await runArgv(args), plain, args.join(' '));
  }
  const sub = await runArgv(['help', 'state', '--help']);
  assert.equal([sub.code, sub.stderr], [0, '']);
  assert.match(sub.stdout, /^Usage: runstate state/);
});

help('no command: help on stderr, exit 2', async () => {
  const r = await runArgv([]);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, 'Usage: runstate');
});

// ---

const errors = suite('usage errors', { root: '' });

errors.before((ctx) => { ctx.root = tempRoot(); });
errors.after((ctx) => { fs.rmSync(ctx.root, { recursive: true, force: true }); });

errors('unknown command, with a suggestion', async ({ root }) => {
  usage(await cli(root, 'stat', 'web'), /unknown command 'stat'.*state/);
  // Help asked of a command that does not exist is the same usage error, not the program's help.
  usage(await cli(root, 'stat', '--help'), /unknown command 'stat'.*state/);
  usage(await runArgv(['--lock-timeout', '5', 'nosuch', '-h']), /unknown command 'nosuch'/);
  usage(await runArgv(['help', 'stat']), /unknown command 'stat'.*state/);
  assert.match((await runArgv(['--root', root, 'help', 'state'])).stdout, /^Usage: runstate state/);
});

errors('unknown flag, before or after the command', async ({ root }) => {
  usage(await cli(root, 'state', 'web', '--bogus'), /unknown option '--bogus'/);
  usage(await cli(root, '--bogus', 'list'), /unknown option '--bogus'/);
});

errors('missing and excess arguments', async ({ root }) => {
  usage(await cli(root, 'state'), /missing required argument 'id'/);
  usage(await cli(root, 'state', 'a', 'b'), /too many arguments/);
  usage(await cli(root, 'create'), /missing required argument/);
});

errors('bad option values', async ({ root }) => {
  usage(await runArgv(['--root', root, '--durability', 'foo', 'list']), /fsync, none/);
  usage(await runArgv(['--root', root, '--lock-timeout', 'abc', 'list']), /whole number/);
  usage(await runArgv(['--root', root, '--lock-timeout', '-5', 'list']));
  usage(await cli(root, 'list', '--format', 'yaml'), /table, json/);
  usage(await cli(root, 'events', 'web', '--since', 'x'), /whole number/);
  usage(await cli(root, 'create', 'web', '--annotation', 'novalue'), /key=value/);
  usage(await cli(root, 'create', 'web', '--pid', '0'), /process id/);
  usage(await cli(root, 'create', 'web', '--pid', String(process.pid), '--', 'sleep', '1'), /exclude/);
  usage(await cli(root, 'replay', 'web', '--at-time', 'yesterday'), /expected a date such as 2024-05-01/);
  // Dates that do not exist, and a date-time without a zone, are not guessed at.
  usage(await cli(root, 'replay', 'web', '--at-time', '2026-11-31T12:00:00Z'), /no such date: 2026-11 has 30 days/);
  usage(await cli(root, 'replay', 'web', '--at-time', '2026-11-30T12:00:00'), /add Z for UTC, or an offset such as \+02:00/);
  usage(await cli(root, 'replay', 'web', '--at-seq', '0'), /seq, a whole number > 0/);
  usage(await cli(root, 'create', 'web', '--pid', '-5'), /process id > 0/);
  // An empty path would quietly mean the current directory.
  usage(await runArgv(['--root', '', 'list']), /--root.*not an empty string/);
  usage(await cli(root, 'create', 'web', '--bundle', ''), /--bundle.*not an empty string/);
});

errors('a root that is a file: EINVALID naming the setting, exit 1, the file untouched', async () => {
  const dir = tempRoot();
  const file = `${dir}/a-file`;
  fs.writeFileSync(file, 'mine');
  for (const args of [['create', 'web'], ['list'], ['state', 'web'], ['pause', 'web']]) {
    const r = await cli(file, ...args);
    assert.is(r.code, 1, args.join(' '));
    assert.equal(r.stderr, `runstate: EINVALID: the root ${file} is not a directory (set --root or RUNSTATE_ROOT to a directory)\n`);
  }
  assert.is(fs.readFileSync(file, 'utf8'), 'mine');
  fs.rmSync(dir, { recursive: true, force: true });
});

errors('replay needs exactly one point', async ({ root }) => {
  usage(await cli(root, 'replay', 'web'), /exactly one/);
  usage(await cli(root, 'replay', 'web', '--at-seq', '1', '--at-time', '2024-01-01T00:00:00Z'), /cannot be used with/);
});

errors('verify needs ids or --all', async ({ root }) => {
  usage(await cli(root, 'verify'), /--all/);
});

errors('purge needs an id or --all, not both, and a --before with its zone', async ({ root }) => {
  usage(await cli(root, 'purge'), /give a container id or --all/);
  usage(await cli(root, 'purge', '--before', '2024-05-01'), /give a container id or --all/);
  usage(await cli(root, 'purge', 'web', '--all'), /--all purges every id: give no id with it/);
  usage(await cli(root, 'purge', 'web', 'ref', 'more'), /too many arguments/);
  usage(await cli(root, 'purge', 'web', '--before', 'last week'), /expected a date such as 2024-05-01/);
  usage(await cli(root, 'purge', '--all', '--before', '2024-05-01T12:00'), /add Z for UTC/);
  usage(await cli(root, 'purge', '--all', '--before'), /argument missing/);
});

errors('kill with the signal first, as kill(1) has it: a usage error that gives the order, nothing recorded', async () => {
  const root = tempRoot();
  await cli(root, 'create', 'web');
  usage(await cli(root, 'kill', '-9', 'web'), /the signal follows the id: runstate kill <id> \[signal\], e\.g\. runstate kill web 9\n$/);
  usage(await cli(root, 'kill', '-TERM', 'web'));
  assert.is(JSON.parse((await cli(root, 'state', 'web')).stdout).status, 'created');
  assert.is((await cli(root, 'events', 'web', '--json')).stdout.trim().split('\n').length, 1);
  fs.rmSync(root, { recursive: true, force: true });
});

errors('--json on commands whose output is JSON anyway: the same output', async () => {
  const root = tempRoot();
  await cli(root, 'create', 'web');
  for (const args of [['state', 'web'], ['replay', 'web', '--at-seq', '1']]) {
    const plain = await cli(root, ...args);
    assert.is(plain.code, 0);
    assert.equal(await cli(root, ...args, '--json'), plain, args.join(' '));
  }
  fs.rmSync(root, { recursive: true, force: true });
});

errors('a usage error touches nothing', async ({ root }) => {
  usage(await cli(root, 'create', 'web', '--annotation', 'bad'), /expected key=value/);
  assert.equal(fs.readdirSync(root).filter((name) => !name.startsWith('.')), []);
});

errors('one line per error, its code once', () => {
  const sys = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.is(errorLine(sys), 'runstate: ENOSPC: no space left on device, write\n');
  assert.is(errorLine(Object.assign(new Error('two\n  lines'), { code: 'EINVALID' })), 'runstate: EINVALID: two lines\n');
  assert.is(errorLine(new Error('no code')), 'runstate: EUNEXPECTED: no code\n');
  // A path or an id in a message is any text: escaped, it cannot drive the terminal.
  assert.is(errorLine(Object.assign(new Error('/tmp/\x1b[2Jx\x9b\x7f is a symlink'), { code: 'EUNSAFEPATH' })), 'runstate: EUNSAFEPATH: /tmp/\\x1b[2Jx\\x9b\\x7f is a symlink\n');
});

// ---

const ids = suite('bad ids', { root: '' });

ids.before((ctx) => { ctx.root = tempRoot(); });
ids.after((ctx) => { fs.rmSync(ctx.root, { recursive: true, force: true }); });

ids('exit 1 with EINVALIDID for every command taking an id', async ({ root }) => {
  const bad = ['../etc', '.hidden', 'a/b', 'a..b', '-x', 'x'.repeat(129), 'sp ace'];
  const commands = [['create'], ['start'], ['pause'], ['resume'], ['kill'], ['delete'], ['state'], ['events'], ['events', '--deleted'], ['replay', '--at-seq', '1'], ['deleted'], ['purge'], ['verify']];
  for (const id of bad) {
    for (const [command, ...rest] of commands) {
      const r = await cli(root, command, ...rest, '--', id);
      assert.is(r.code, 1, `${command} ${id}: ${r.stderr}`);
      assert.is(r.stdout, '');
      assert.match(r.stderr, /^runstate: EINVALIDID: invalid container id .*\n$/);
    }
  }
  assert.equal(fs.readdirSync(root).filter((name) => !name.startsWith('.')), []);
});

help.run();
errors.run();
ids.run();
