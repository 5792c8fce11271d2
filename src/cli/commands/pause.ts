import { validateId } from '../../paths.js';
import { isAlive } from '../../process/alive.js';
import { signalProcessGroup } from '../../process/group.js';
import { reconcile } from '../reconcile.js';
import { withStore } from '../store.js';
import type { Context } from '../context.js';

// `pause <id>` / `resume <id>`: record the event, then SIGSTOP / SIGCONT the process group.
export async function pauseOrResume(ctx: Context, id: string, action: 'pause' | 'resume'): Promise<void> {
  validateId(id);
  await withStore(ctx.globals, async (store) => {
    // A dead process turns the container stopped first, so the store refuses with the truth.
    await reconcile(store, ctx.globals.root, id);
    // Record first: the store decides the transition under its lock, and a refused
    // one must not have touched the process.
    const state = action === 'pause' ? await store.pause(id) : await store.resume(id);
    if (state.pid > 0 && isAlive(state.pid, state.pidStart)) {
      const delivered = signalProcessGroup(state.pid, action === 'pause' ? 'SIGSTOP' : 'SIGCONT');
      if (!delivered) await reconcile(store, ctx.globals.root, id);
    }
  });
}
