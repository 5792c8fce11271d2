import type { FoldedRecord } from '../events/record.js';
import type { ContainerState, StoredEvent } from '../events/types.js';

/** OCI runtime spec version the state is shaped after. */
export const OCI_VERSION = '1.2.0';

// Fold one event into the state. Pure: no I/O, no clock, the input is not changed; a `created`
// event starts from null.
export function evolve(state: ContainerState | null, event: StoredEvent): ContainerState {
  return applyEvent(state == null ? null : cloneState(state), event);
}

// A copy of a state that shares nothing mutable with it.
export function cloneState(state: ContainerState): ContainerState {
  const s = { ...state, annotations: { ...state.annotations } };
  if (state.command) s.command = [...state.command];
  return s;
}

// Fold one event into a state owned by the caller, in place (the fast path of long folds, where
// copying the state per event would cost more than decoding it). Returns the state.
export function applyEvent(draft: ContainerState | null, event: StoredEvent): ContainerState {
  if (event.type === 'created') {
    const d = event.data;
    const s: ContainerState = {
      ociVersion: OCI_VERSION,
      id: d.id,
      status: 'created',
      pid: d.pid ?? 0,
      pidStart: d.pidStart ?? 0,
      bundle: d.bundle,
      annotations: { ...d.annotations },
      created: event.at,
      updated: event.at,
      seq: event.seq,
    };
    if (d.command) s.command = [...d.command];
    return s;
  }
  if (draft === null) throw new TypeError(`event seq ${event.seq} (${event.type}) has no created event before it`);
  const next = draft;
  next.seq = event.seq;
  next.updated = event.at;
  switch (event.type) {
    case 'started':
      next.status = 'running';
      next.pid = event.data.pid;
      next.pidStart = event.data.pidStart ?? 0;
      break;
    case 'paused':
    case 'resumed':
      next.status = statusAfter(event.type);
      break;
    case 'killed':
      next.killSignal = event.data.signal;
      break;
    case 'exited':
      next.status = 'stopped';
      next.pid = 0;
      next.pidStart = 0;
      delete next.killSignal;
      if (event.data.code !== undefined) next.exitCode = event.data.code;
      if (event.data.signal !== undefined) next.exitSignal = event.data.signal;
      break;
    case 'annotated': {
      const a = event.data.annotations;
      for (const k of Object.keys(a)) setAnnotation(next, k, a[k]);
      break;
    }
    case 'deleted':
      next.deleted = event.at;
      break;
  }
  return next;
}

// applyEvent for a record read from a log, in a long fold. Formatting a date costs more than the
// rest of the fold, so only the times a state keeps from one event (`created`, `deleted`) are
// formatted here: `updated` is left empty, for the caller to set once from the last record folded.
export function applyRecord(draft: ContainerState | null, rec: FoldedRecord): ContainerState {
  const at = rec.type === 'created' || rec.type === 'deleted' ? new Date(rec.at).toISOString() : '';
  return applyEvent(draft, { seq: rec.seq, type: rec.type, at, data: rec.data } as StoredEvent);
}

// The status a `paused` or `resumed` event leaves.
export function statusAfter(type: 'paused' | 'resumed'): 'paused' | 'running' {
  return type === 'paused' ? 'paused' : 'running';
}

// One annotation of an `annotated` event: set, or removed by null.
export function setAnnotation(draft: ContainerState, key: string, value: unknown): void {
  if (value === null) delete draft.annotations[key];
  else draft.annotations[key] = value as string;
}

// applyRecord of an `annotated`, `paused` or `resumed` record read field by field, whose annotations
// (for `annotated`) were set already: what is left of it (see readFastRecord and projection/fold.ts).
export function stepRecord(draft: ContainerState, seq: number, type: 'annotated' | 'paused' | 'resumed'): void {
  draft.seq = seq;
  draft.updated = '';
  if (type !== 'annotated') draft.status = statusAfter(type);
}
