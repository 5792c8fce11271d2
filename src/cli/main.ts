import { errorLine } from './errors.js';
import { parseFast } from './fast-path.js';
import { makeContext } from './context.js';
import type { CliProcess } from './context.js';

export type { CliProcess } from './context.js';

// Run the CLI against an injected process; resolves to the exit code (0 ok, 1 failed, 2 usage).
export async function run(proc: CliProcess): Promise<number> {
  const args = proc.argv.slice(2);
  // A reader that went away (`runstate --help | head -3`) is not a failure: drop the rest of the
  // output instead of dying on an unhandled EPIPE.
  proc.stdout.on?.('error', (err) => {
    if (err.code !== 'EPIPE') proc.stderr.write(errorLine(err));
  });
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
    proc.stderr.write(errorLine(err));
    if (proc.env.RUNSTATE_DEBUG) proc.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return 1;
  }
}
