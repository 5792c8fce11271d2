import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../dist/index.js';

// A fresh root under the temp dir, and a store on it.
export async function freshStore(options = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runstate-test-'));
  const store = await openStore({ root, durability: 'none', ...options });
  return { root, store };
}

// Close a store and remove its root.
export async function dropStore(ctx) {
  await ctx.store?.close();
  if (ctx.root) fs.rmSync(ctx.root, { recursive: true, force: true });
}

// The bytes of a container's active log.
export function logPath(root, id) {
  return path.join(root, id, 'events.log');
}

// Count the records in a container's log through the library.
export async function seqs(store, id) {
  return (await store.history(id)).map((e) => e.seq);
}

// How far the whole records of a container's active log reach (`end`), and what follows them
// (`tail`: null when the file ends there), read from the file.
export async function logEnd(root, id) {
  const { openLog, readRecords } = await import('../../dist/events/log.js');
  const { HEADER_SIZE } = await import('../../dist/events/header.js');
  const log = openLog(logPath(root, id), false);
  try {
    const { end, tail } = readRecords(log, HEADER_SIZE, log.size, log.header.firstSeq, () => {});
    return { end, tail, size: log.size };
  } finally {
    fs.closeSync(log.fd);
  }
}
