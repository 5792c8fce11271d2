import { RunstateError } from '../errors.js';
import type { ContainerState, EventType } from '../events/types.js';
import { TRANSITIONS, VERBS } from './transitions.js';

// Refuse an event the state machine does not allow from `state` (null: the container does not exist).
// Called under the container's lock, on the state projected under that lock.
export function decide(id: string, state: ContainerState | null, type: EventType, force = false): void {
  const t = TRANSITIONS[type];
  if (t.from === 'absent') {
    if (state !== null) throw new RunstateError('EEXIST', `container "${id}" already exists`, { id, status: state.status });
    return;
  }
  if (state === null) throw new RunstateError('ENOTFOUND', `container "${id}" does not exist`, { id });
  // Recorded as deleted, but its directory was not moved away (the move failed): gone for every
  // transition; only a repeated delete, which finishes the move, gets past this.
  if (state.deleted !== undefined && type !== 'deleted') {
    throw new RunstateError('ENOTFOUND', `container "${id}" was deleted`, { id });
  }
  if (state.deleted !== undefined) return;
  if (t.from.includes(state.status) || (force && t.forcedFrom?.includes(state.status))) return;
  const hint = type === 'deleted' ? ' (stop it first, or use force)' : '';
  throw new RunstateError('EBADTRANSITION', `cannot ${VERBS[type]} container "${id}" in state ${state.status}${hint}`,
    { id, status: state.status, event: type });
}
