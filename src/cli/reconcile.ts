import { isAlive } from '../process/alive.js';
import { isRunstateError } from '../errors.js';
import { processGone } from './liveness.js';
import { readMonitorRecord } from './monitor/record.js';
import type { ContainerState, Store } from '../index.js';

const MONITOR_GRACE_MS = 1000;

// Before a command decides anything, bring the log up to date with reality:
// when the process is gone and no monitor will record it, append `exited`.
export async function reconcile(store: Store, root: string, id: string): Promise<ContainerState> {
  let state = await store.state(id);
  if (!processGone(state)) return state;
  const { pid } = state;
  // A live monitor of this very process records the real exit status within
  // milliseconds: give it that chance rather than record an unknown one.
  const monitor = readMonitorRecord(root, id);
  if (monitor !== undefined && monitor.child === pid && isAlive(monitor.pid, monitor.pidStart)) {
    const deadline = Date.now() + MONITOR_GRACE_MS;
    while (Date.now() < deadline && isAlive(monitor.pid, monitor.pidStart)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      state = await store.state(id);
      if (state.pid !== pid || !processGone(state)) return state;
    }
  }
  try {
    // Exit code and signal are unknown: only the parent could collect them.
    // ifPid: decided again under the lock, so a container re-created meanwhile is left alone.
    return await store.exited(id, { ifPid: pid, ifPidStart: state.pidStart });
  } catch (err) {
    // Someone (the monitor) recorded it between our read and our append.
    if (isRunstateError(err, 'EBADTRANSITION')) return store.state(id);
    throw err;
  }
}
