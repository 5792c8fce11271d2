// runstate-cli: each op is a fresh `node bin/runstate.js --root R pause|resume <id>` process,
// so throughput includes process start. Refusals (exit 1, EBADTRANSITION) are counted.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as lib from './runstate.js';

export const BIN = fileURLToPath(new URL('../../bin/runstate.js', import.meta.url));

// Create and start each key's container through the library
export const setup = (cfg) => lib.setup({ ...cfg, opts: { mix: true } });

// Per-worker handle; op() runs one CLI process to completion
export function open({ dir, key, worker }) {
  const handle = {
    sync: true,
    knowsLockWait: false,
    refused: 0,
    op(i) {
      const cmd = (i + worker) % 2 ? 'resume' : 'pause';
      const r = spawnSync(process.execPath, [BIN, '--root', dir, cmd, key], { encoding: 'utf8' });
      if (r.status === 0) return 0;
      if (/EBADTRANSITION/.test(r.stderr)) { handle.refused++; return 0; }
      throw new Error(`runstate ${cmd} ${key} exited ${r.status}: ${r.stderr.trim()}`);
    },
    close() {},
  };
  return handle;
}

// Same check as the library backend: history = setup events + every acked op
export const verify = (cfg) => lib.verify({ ...cfg, opts: { mix: true } });
