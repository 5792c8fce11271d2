import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { parseFast } from '../../dist/cli/fast-path.js';
import { cli, runArgv, tempRoot } from '../fixtures/cli-harness.js';

const parse = suite('parseFast');

parse('takes the plain form of `state <id>` with global options', () => {
  assert.equal(parseFast(['state', 'web']), { globals: {}, command: 'state', id: 'web' });
  assert.equal(parseFast(['--root', '/r', '--durability', 'none', '--lock-timeout', '50', 'state', 'web']),
    { globals: { root: '/r', durability: 'none', lockTimeout: 50 }, command: 'state', id: 'web' });
  assert.equal(parseFast(['--root=/r', 'state', '../x']).globals, { root: '/r' });
});

parse('leaves everything else to commander', () => {
  for (const args of [
    [], ['state'], ['list'], ['state', 'a', 'b'], ['state', '--help'], ['state', 'web', '--root', '/r'],
    ['--help', 'state', 'web'], ['-V'], ['--durability', 'foo', 'state', 'web'], ['--lock-timeout', 'x', 'state', 'web'],
    ['--root', 'state', 'web'], ['--root'], ['--unknown', 'state', 'web'], ['state', '--', 'web'], ['state', '-x'],
    ['--root=', 'state', 'web'], ['--lock-timeout', '-1', 'state', 'web'],
  ]) {
    assert.is(parseFast(args), undefined, JSON.stringify(args));
  }
});

// ---

const same = suite('fast path and commander agree', { root: '' });

same.before((ctx) => { ctx.root = tempRoot(); });
same.after((ctx) => { fs.rmSync(ctx.root, { recursive: true, force: true }); });

same('same output, same errors', async ({ root }) => {
  assert.is((await cli(root, 'create', 'web')).code, 0);
  // Options after the command take the commander path.
  assert.equal(await runArgv(['--root', root, 'state', 'web']), await runArgv(['state', 'web', '--root', root]));
  assert.equal(await runArgv(['--root', root, 'state', 'nope']), await runArgv(['state', 'nope', '--root', root]));
  assert.equal(await runArgv(['--root', root, 'state', 'a/b']), await runArgv(['state', 'a/b', '--root', root]));
});

parse.run();
same.run();
