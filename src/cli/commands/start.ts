import { statSync } from 'node:fs';
import { validateId } from '../../paths.js';
import { reconcile } from '../reconcile.js';
import { withStore } from '../store.js';
import type { Context } from '../context.js';

// `start <id>`: run the container's command under a monitor, or just record `started`.
export async function start(ctx: Context, id: string): Promise<void> {
  validateId(id);
  await withStore(ctx.globals, async (store) => {
    const state = await reconcile(store, ctx.globals.root, id);
    if (state.status !== 'created' || !state.command || state.command.length === 0) {
      // Nothing to run (the store keeps a pid given at create), or a status the store
      // refuses (EBADTRANSITION, appends nothing).
      await store.start(id);
      return;
    }
    const { launchMonitor } = await import('../monitor/launch.js');
    // The monitor records `started` itself, so the process and its record can
    // never disagree: we return once that record is durable.
    await launchMonitor(ctx.globals, id, state.command, isDirectory(state.bundle) ? state.bundle : ctx.cwd, ctx.proc.env);
  });
}

function isDirectory(dir: string): boolean {
  try {
    return dir !== '' && statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
