import type { ContainerState, StoredEvent } from '../../options.js';

/** The OCI runtime spec's state document, plus runstate's log position. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: string;
  pid: number;
  bundle: string;
  annotations: Record<string, string>;
  created: string;
  seq: number;
}

// Shape a container state as `runc state` prints it, plus `seq`.
export function ociState(state: ContainerState): OciState {
  return {
    ociVersion: state.ociVersion,
    id: state.id,
    status: state.status,
    pid: state.pid,
    bundle: state.bundle,
    annotations: state.annotations,
    created: state.created,
    seq: state.seq,
  };
}

// Pretty JSON for people and `jq` alike.
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

// One event as one NDJSON line: exactly { seq, type, at, actor, data }.
export function eventLine(event: StoredEvent): string {
  return JSON.stringify({ seq: event.seq, type: event.type, at: event.at, actor: event.actor, data: event.data });
}
