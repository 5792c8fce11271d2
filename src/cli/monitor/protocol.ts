import type { ContainerState } from '../../options.js';
import type { Globals } from '../context.js';

/** What `start` hands the monitor (as its one argument, JSON). */
export interface MonitorConfig extends Globals {
  id: string;
  command: string[];
  /** Working directory of the command. */
  cwd: string;
}

/** The monitor's one IPC message: `started` is recorded, or why not. */
export type MonitorReply =
  | { ok: true; state: ContainerState }
  | { ok: false; code: string; message: string };
