import { isRunstateError } from '../../errors.js';
import { validateId } from '../../paths.js';
import { isAlive, waitForExit } from '../../process/alive.js';
import { signalProcessGroup } from '../../process/group.js';
import { parseSignal, type SignalName } from '../../process/signals.js';
import { reconcile } from '../reconcile.js';
import { withStore } from '../store.js';
import type { ContainerState } from '../../options.js';
import type { Context } from '../context.js';
import type { Store } from '../../index.js';

// `kill <id> [signal]`: record `killed`, then signal the process group.
export async function kill(ctx: Context, id: string, signalArg: string | undefined): Promise<void> {
  // Parsed before anything is opened: an unknown signal changes nothing.
  const signal = parseSignal(signalArg ?? 'TERM');
  validateId(id);
  await withStore(ctx.globals, async (store) => {
    await reconcile(store, ctx.globals.root, id);
    // With no process the store appends `exited` at once (status stopped).
    const state = await store.kill(id, signal);
    await deliver(store, ctx.globals.root, id, state, signal);
  });
}

// Send the signal to the recorded process; when it is already gone, record that.
export async function deliver(store: Store, root: string, id: string, state: ContainerState, signal: SignalName): Promise<void> {
  if (!isLiveStatus(state) || state.pid <= 0) return;
  if (!isAlive(state.pid, state.pidStart) || !signalProcessGroup(state.pid, signal)) {
    await reconcile(store, root, id);
  }
}

// `delete --force` on a live container: SIGKILL, wait briefly, let the exit be recorded.
export async function killForDelete(store: Store, root: string, id: string, state: ContainerState): Promise<void> {
  if (!isLiveStatus(state)) return;
  let killed = state;
  try {
    killed = await store.kill(id, 'SIGKILL');
  } catch (err) {
    // Stopped meanwhile (the monitor recorded the exit): nothing left to kill.
    if (!isRunstateError(err, 'EBADTRANSITION')) throw err;
    return;
  }
  if (isLiveStatus(killed) && killed.pid > 0 && isAlive(killed.pid, killed.pidStart)) {
    signalProcessGroup(killed.pid, 'SIGKILL');
    await waitForExit(killed.pid, killed.pidStart, 2000);
  }
  await reconcile(store, root, id);
}

function isLiveStatus(state: ContainerState): boolean {
  return state.status === 'running' || state.status === 'paused';
}
