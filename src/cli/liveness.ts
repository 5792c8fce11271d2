import { isAlive } from '../process/alive.js';
import type { ContainerState } from '../options.js';

// Whether the state claims a process that no longer exists (pid reuse counts as gone).
export function processGone(state: ContainerState): boolean {
  return (state.status === 'running' || state.status === 'paused') && state.pid > 0 && !isAlive(state.pid, state.pidStart);
}

// The state as a reader should report it: a dead process means stopped, with pid 0 as a
// recorded exit leaves it, even before anyone recorded `exited`. Nothing is written (reads
// never append), and nothing that writes is loaded: `state` is the hottest command.
export function observed(state: ContainerState): ContainerState {
  return processGone(state) ? { ...state, status: 'stopped', pid: 0, pidStart: 0 } : state;
}
