/** Lifecycle status of a container (OCI runtime spec, plus `paused`). */
export type Status = 'created' | 'running' | 'paused' | 'stopped';

/** Who appended a record. */
export interface Actor {
  pid: number;
  uid: number;
}

/** Payload of each event type, keyed by the type's name. */
export interface EventData {
  created: { id: string; bundle: string; annotations: Record<string, string>; command?: string[]; pid?: number; pidStart?: number };
  started: { pid: number; pidStart?: number };
  paused: Record<string, never>;
  resumed: Record<string, never>;
  killed: { signal: string };
  exited: { code?: number; signal?: string };
  annotated: { annotations: Record<string, string | null> };
  deleted: { force?: boolean };
}

/** Name of an event type (always past tense). */
export type EventType = keyof EventData;

/** Every event type, in lifecycle order. */
export const EVENT_TYPES: readonly EventType[] = [
  'created', 'started', 'paused', 'resumed', 'killed', 'exited', 'annotated', 'deleted',
];

/** An event as the state machine sees it: a tagged union on `type`. */
export type LifecycleEvent = { [T in EventType]: { type: T; data: EventData[T] } }[EventType];

/** An event as read back from a log. `at` is an ISO-8601 timestamp. */
export type StoredEvent = { [T in EventType]: { seq: number; type: T; at: string; actor: Actor; data: EventData[T] } }[EventType];

/** The OCI-shaped state of one container, plus runstate's log position. */
export interface ContainerState {
  ociVersion: string;
  id: string;
  status: Status;
  /** Process id, 0 when there is none. */
  pid: number;
  /** Start time of `pid` (field 22 of /proc/<pid>/stat), 0 when unknown. */
  pidStart: number;
  bundle: string;
  annotations: Record<string, string>;
  /** Command kept at create, to run at start (CLI). */
  command?: string[];
  /** ISO-8601 time of the `created` event. */
  created: string;
  /** ISO-8601 time of the last event folded in. */
  updated: string;
  /** Seq of the last event folded in. */
  seq: number;
  /** Signal of the last `killed` event, while the process may still be alive. */
  killSignal?: string;
  /** Exit status once stopped (absent while unknown). */
  exitCode?: number;
  exitSignal?: string;
  /** ISO-8601 time of the `deleted` event, in a replay of a deleted container's history. */
  deleted?: string;
}
