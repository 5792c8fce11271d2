import path from 'node:path';
import { RunstateError } from '../../errors.js';
import { validateId } from '../../paths.js';
import { readPidStart } from '../../process/stat.js';
import { withStore } from '../store.js';
import type { CreateOptions } from '../../options.js';
import type { Context } from '../context.js';

/** Flags of `create`. */
export interface CreateFlags {
  bundle?: string;
  annotation?: Record<string, string>;
  pid?: number;
}

// `create <id> [-- cmd args…]`: record the container; a command is kept to run at `start`.
export async function create(ctx: Context, id: string, command: string[], flags: CreateFlags): Promise<void> {
  validateId(id);
  // Like runc, the bundle defaults to the current directory.
  const options: CreateOptions = {
    bundle: path.resolve(ctx.cwd, flags.bundle ?? '.'),
    annotations: flags.annotation ?? {},
  };
  if (command.length > 0) options.command = command;
  if (flags.pid !== undefined) {
    const pidStart = readPidStart(flags.pid);
    if (pidStart === undefined) throw new RunstateError('EINVALID', `no process with pid ${flags.pid}`, { id, pid: flags.pid });
    options.pid = flags.pid;
    options.pidStart = pidStart;
  }
  await withStore(ctx.globals, (store) => store.create(id, options));
}
