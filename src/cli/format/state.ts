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

// JSON.stringify escapes the C0 controls but leaves DEL and the C1 controls (U+0080–U+009F, such as
// U+009B, a terminal's CSI) as they are: escaped here too, the text means the same to a JSON reader
// and nothing to a terminal it is printed on.
const UNESCAPED_CONTROLS = /[\u007f-\u009f]/g;

function escapeControls(text: string): string {
  return text.replace(UNESCAPED_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Pretty JSON for people and `jq` alike.
export function json(value: unknown): string {
  return escapeControls(JSON.stringify(value, null, 2));
}

// One event as one NDJSON line: exactly { seq, type, at, actor, data }.
export function eventLine(event: StoredEvent): string {
  return escapeControls(JSON.stringify({ seq: event.seq, type: event.type, at: event.at, actor: event.actor, data: event.data }));
}
