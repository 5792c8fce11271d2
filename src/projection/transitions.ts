import type { EventType, Status } from '../events/types.js';

/** Where an event may be appended from, and the status it leads to (`same` keeps it). */
export interface Transition {
  /** Statuses the event is allowed in; `absent` means only when the container does not exist. */
  from: readonly Status[] | 'absent';
  to: Status | 'same' | 'gone';
  /** Statuses also allowed when the caller forces (delete --force). */
  forcedFrom?: readonly Status[];
}

const LIVE: readonly Status[] = ['created', 'running', 'paused', 'stopped'];

/** The lifecycle state machine, in one place: created → running ⇄ paused → stopped → deleted. */
export const TRANSITIONS: Readonly<Record<EventType, Transition>> = {
  created: { from: 'absent', to: 'created' },
  started: { from: ['created'], to: 'running' },
  paused: { from: ['running'], to: 'paused' },
  resumed: { from: ['paused'], to: 'running' },
  killed: { from: ['created', 'running', 'paused'], to: 'same' },
  exited: { from: ['created', 'running', 'paused'], to: 'stopped' },
  annotated: { from: LIVE, to: 'same' },
  deleted: { from: ['created', 'stopped'], to: 'gone', forcedFrom: LIVE },
};

/** Verb a user typed for each event, for error messages. */
export const VERBS: Readonly<Record<EventType, string>> = {
  created: 'create',
  started: 'start',
  paused: 'pause',
  resumed: 'resume',
  killed: 'kill',
  exited: 'record the exit of',
  annotated: 'annotate',
  deleted: 'delete',
};
