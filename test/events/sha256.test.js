import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sha256 } from '../../dist/events/sha256.js';
import { recordHash } from '../../dist/events/hash.js';

const Sha = suite('sha256');

const reference = (bytes) => crypto.createHash('sha256').update(bytes).digest();

Sha('equals node:crypto on every length up to five blocks, at any offset', () => {
  const bytes = crypto.randomBytes(400);
  for (let len = 0; len <= 320; len++) {
    for (const start of [0, 1, 2, 3, 61]) {
      const want = reference(bytes.subarray(start, start + len));
      assert.ok(sha256(bytes, start, start + len).equals(want), `len ${len} at ${start}`);
    }
  }
});

Sha('the padding boundaries, a large input, and a truncated digest', () => {
  for (const len of [55, 56, 57, 63, 64, 65, 119, 120, 128]) {
    const bytes = Buffer.alloc(len, len);
    assert.ok(sha256(bytes, 0, len).equals(reference(bytes)), `len ${len}`);
  }
  const big = crypto.randomBytes(70_000);
  assert.ok(sha256(big, 0, big.length).equals(reference(big)));
  assert.is(sha256(Buffer.from('abc'), 0, 3).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'FIPS 180-4 example');
  assert.is(sha256(Buffer.alloc(0), 0, 0).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const payload = crypto.randomBytes(110);
  assert.ok(recordHash(payload).equals(reference(payload).subarray(0, 16)), 'a record hash is the first 16 bytes');
});

Sha('reading a container loads no node:crypto (it costs a CLI call ~8 ms)', () => {
  const script = `
    import fs from 'node:fs';
    import os from 'node:os';
    import path from 'node:path';
    const { openStore } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runstate-sha-'));
    const writer = await openStore({ root, durability: 'none' });
    await writer.create('web');
    for (let i = 0; i < 40; i++) await writer.annotate('web', { k: String(i) });
    await writer.close();
    const loadedByCreate = process.moduleLoadList.includes('NativeModule crypto');
    fs.rmSync(path.join(root, 'web', 'meta.json'));
    console.log(JSON.stringify({ loadedByCreate, root }));`;
  const { loadedByCreate, root } = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.ok(loadedByCreate, 'create makes a random segment id with node:crypto');
  const read = `
    const { openStore } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
    const store = await openStore({ root: ${JSON.stringify(root)}, durability: 'none' });
    const state = await store.state('web');
    const again = await store.state('web');
    console.log(JSON.stringify({ seq: state.seq, again: again.seq, crypto: process.moduleLoadList.includes('NativeModule crypto') }));`;
  try {
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', read], { encoding: 'utf8' }));
    assert.equal(out, { seq: 41, again: 41, crypto: false });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Sha.run();
