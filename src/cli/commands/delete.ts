import { RunstateError, isRunstateError } from '../../errors.js';
import { validateId } from '../../paths.js';
import { reconcile } from '../reconcile.js';
import { withStore } from '../store.js';
import { killForDelete } from './kill.js';
import type { Context } from '../context.js';

// `delete <id> [--force]`: only created or stopped containers, unless forced (which kills first).
export async function remove(ctx: Context, id: string, flags: { force?: boolean }): Promise<void> {
  validateId(id);
  await withStore(ctx.globals, async (store) => {
    // A container whose process died unrecorded is stopped, hence deletable.
    let state;
    try {
      state = await reconcile(store, ctx.globals.root, id);
    } catch (err) {
      // Not found to a reader, which includes a delete recorded but cut short before its move: the
      // store finishes that one under the lock (and says ENOTFOUND when there is nothing at all).
      if (!isRunstateError(err, 'ENOTFOUND')) throw err;
      state = null;
    }
    if (state !== null && flags.force) await killForDelete(store, ctx.globals.root, id, state);
    try {
      await store.delete(id, flags.force ? { force: true } : {});
    } catch (err) {
      throw flags.force ? err : withFlagHint(err);
    }
  });
}

// The store refuses a live container with "use force", naming its own option: on the command line
// the way out is the flag.
function withFlagHint(err: unknown): unknown {
  if (!isRunstateError(err, 'EBADTRANSITION') || err.details.event !== 'deleted') return err;
  const { id, status } = err.details;
  return new RunstateError('EBADTRANSITION', `cannot delete container "${id}" in state ${status} (stop it first, or use --force)`, err.details, { cause: err });
}
