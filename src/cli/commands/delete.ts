import { isRunstateError } from '../../errors.js';
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
    await store.delete(id, flags.force ? { force: true } : {});
  });
}
