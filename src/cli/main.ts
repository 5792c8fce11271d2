import { errorLine } from './errors.js';
import { parseFast } from './fast-path.js';
import { makeContext } from './context.js';
import type { CliProcess } from './context.js';

export type { CliProcess } from './context.js';

// Run the CLI against an injected process; resolves to the exit code (0 ok, 1 failed, 2 usage).
export async function run(proc: CliProcess): Promise<number> {
  const args = proc.argv.slice(2);
  // A reader that went away (`runstate --help | head -3`) is not a failure: drop the rest of the
  // output instead of dying on an unhandled EPIPE. Any other write error (ENOSPC, EIO) means the
  // results were lost: the command failed.
  let outputError: NodeJS.ErrnoException | undefined;
  proc.stdout.on?.('error', (err) => {
    if (err.code === 'EPIPE' || outputError) return;
    outputError = err;
    proc.stderr.write(errorLine(err));
  });
  const noted = noteWrites(proc);
  let code = await runCommand(noted.proc, args, (err) => err === outputError);
  // Wait only on a stdout that was written to: even a zero-byte write fails on /dev/full, and
  // would fail a command that printed nothing and made its change.
  if (noted.wrote()) await flushed(proc);
  if (outputError && code === 0) code = 1;
  return code;
}

// Run the command line; a failure is printed (unless `printed` says it already was) and is exit 1.
async function runCommand(proc: CliProcess, args: readonly string[], printed: (err: unknown) => boolean): Promise<number> {
  try {
    const fast = parseFast(args);
    if (fast) {
      const { state } = await import('./commands/state.js');
      await state(makeContext(proc, fast.globals), fast.id);
      return 0;
    }
    const { runProgram } = await import('./program.js');
    return await runProgram(proc, args);
  } catch (err) {
    if (!printed(err)) proc.stderr.write(errorLine(err));
    if (proc.env.RUNSTATE_DEBUG) proc.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return 1;
  }
}

// The process the command is given: the same one, with a stdout that notes whether anything was
// written. Its fields are listed, not spread: `on`/`off` of the real process are inherited ones.
function noteWrites(proc: CliProcess): { proc: CliProcess; wrote: () => boolean } {
  const { stdout } = proc;
  let wrote = false;
  const noted: CliProcess = {
    argv: proc.argv,
    env: proc.env,
    stdout: {
      write: (chunk, callback) => {
        if (chunk !== '') wrote = true;
        return stdout.write(chunk, callback);
      },
      on: stdout.on?.bind(stdout),
    },
    stderr: proc.stderr,
    on: proc.on?.bind(proc),
    off: proc.off?.bind(proc),
    cwd: proc.cwd?.bind(proc),
  };
  return { proc: noted, wrote: () => wrote };
}

// Resolves once all that was written to stdout has been handed to the OS or has failed, and the
// stream's 'error' event (emitted on a later tick) has been seen: only then is the exit status known.
function flushed(proc: CliProcess): Promise<void> {
  if (!proc.stdout.on) return Promise.resolve();
  return new Promise((resolve) => {
    proc.stdout.write('', () => setImmediate(resolve));
  });
}
