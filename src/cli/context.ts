import path from 'node:path';
import { defaultRoot } from '../paths.js';
import type { Durability } from '../options.js';

/** What the CLI needs of a process: tests pass a fake one. */
export interface CliProcess {
  /** `process.argv` shape: the node binary, the script, then the arguments. */
  argv: readonly string[];
  env: Record<string, string | undefined>;
  /**
   * Where results go. A stream (one with `on`) must call `write`'s callback once the chunk is
   * handed over or has failed, as a Writable does: the exit status waits for it.
   */
  stdout: {
    write(chunk: string, callback?: (err?: Error | null) => void): unknown;
    on?(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
  };
  stderr: { write(chunk: string): unknown };
  /**
   * Signal subscription, as on `process`. Only `events --follow` uses it, to stop cleanly on
   * SIGINT/SIGTERM; without it (most tests) a signal keeps its default action.
   */
  on?(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off?(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  /** Working directory for relative paths; `process.cwd` when absent. */
  cwd?: () => string;
}

/** The global options, resolved. */
export interface Globals {
  root: string;
  durability?: Durability;
  lockTimeoutMs?: number;
}

/** What every command action receives. */
export interface Context {
  proc: CliProcess;
  globals: Globals;
  cwd: string;
  /** Write a line (or several) of results to stdout. */
  out(text: string): void;
}

// Resolve the global options of one invocation: flags win over the environment.
export function makeContext(proc: CliProcess, raw: { root?: string; durability?: Durability; lockTimeout?: number }): Context {
  const cwd = proc.cwd ? proc.cwd() : process.cwd();
  const fromEnv = proc.env.RUNSTATE_ROOT;
  const root = raw.root !== undefined ? path.resolve(cwd, raw.root)
    : fromEnv ? path.resolve(cwd, fromEnv)
      : defaultRoot({ ...proc.env } as NodeJS.ProcessEnv);
  const globals: Globals = { root };
  if (raw.durability !== undefined) globals.durability = raw.durability;
  if (raw.lockTimeout !== undefined) globals.lockTimeoutMs = raw.lockTimeout;
  return {
    proc,
    globals,
    cwd,
    out: (text) => { proc.stdout.write(text.endsWith('\n') ? text : `${text}\n`); },
  };
}
