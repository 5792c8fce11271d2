import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { CliError } from '../errors.js';
import { runnerArgs } from '../bench-options.js';
import type { BenchFlags } from '../bench-options.js';
import type { Context } from '../context.js';

// The package's benchmark runner, bench/run.js. This code runs from dist/cli/commands/ or, in
// the bundled CLI (dist/cli/runstate.bundle.js), from dist/cli/: resolve from either.
export function runnerScript(): string {
  const here = new URL('.', import.meta.url);
  return fileURLToPath(new URL(here.pathname.endsWith('/commands/') ? '../../../bench/run.js' : '../../bench/run.js', here));
}

// `bench [options]`: run bench/run.js in a child process with the same options. Its table goes
// to stdout and its progress to stderr, through `ctx.proc`; SIGINT/SIGTERM are passed on so it
// removes its scratch stores. Resolves to its exit status (128 + signal if it died of one).
export async function bench(ctx: Context, flags: BenchFlags): Promise<number> {
  const script = runnerScript();
  if (!existsSync(script)) {
    throw new CliError('ENOBENCH', `the benchmark runner ${script} is missing from this installation; `
      + 'run it from a source checkout of runstate (npm run bench) or reinstall the package');
  }
  const { proc } = ctx;
  // Loaded here, not at start-up: every other command would pay for it (the CLI is one bundle).
  const { spawn } = await import('node:child_process');
  // Piped rather than inherited: the injected process may not be this one (tests), and the
  // runner's output is a few kilobytes.
  const child = spawn(process.execPath, [script, ...runnerArgs(flags, ctx.cwd)], {
    cwd: ctx.cwd,
    env: { ...proc.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8').on('data', (text: string) => proc.stdout.write(text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => proc.stderr.write(text));
  // A terminal's Ctrl-C reaches the runner too (same process group); a `kill` of this process
  // alone must still stop it, or it would run on, orphaned, for minutes.
  const onInt = (): void => { child.kill('SIGINT'); };
  const onTerm = (): void => { child.kill('SIGTERM'); };
  proc.on?.('SIGINT', onInt);
  proc.on?.('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (err) => reject(new CliError('ESPAWN', `cannot start the benchmark runner: ${err.message}`, { cause: err })));
      // 'close', not 'exit': all of its output has been passed on by then.
      child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
  } finally {
    proc.off?.('SIGINT', onInt);
    proc.off?.('SIGTERM', onTerm);
  }
}
