import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { makeContext } from './context.js';
import { benchOptions } from './bench-options.js';
import { parseIsoTime } from './iso-time.js';
import type { BenchFlags } from './bench-options.js';
import type { CliProcess, Context } from './context.js';

// Read the version once, from the package the CLI ships in.
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// A parser of whole numbers of at least `min`, else a usage error that says what was expected.
function wholeNumber(min: 0 | 1, expected: string): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) throw new InvalidArgumentError(`expected ${expected}.`);
    return Number(value);
  };
}

/** `--lock-timeout`, `--since`, `--keep-segments`. */
const count = wholeNumber(0, 'a whole number >= 0');
const pid = wholeNumber(1, 'a process id > 0');
/** A container's first event is seq 1. */
const seq = wholeNumber(1, 'a seq, a whole number > 0');

// A path: not empty (an empty path would quietly mean the current directory).
function nonEmptyPath(value: string): string {
  if (value === '') throw new InvalidArgumentError('expected a path, not an empty string.');
  return value;
}

// `k=v`, repeatable: collected into one object; the value may contain '='. An empty key reaches
// the store, which refuses it (EINVALID), as `annotate` has it.
function annotation(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 0) throw new InvalidArgumentError('expected key=value.');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

// For the commands whose output is JSON whatever the options: a script may pass --json to every command.
const ALWAYS_JSON = 'print JSON (the output is JSON already; accepted like every reading command\'s --json)';

// `--format table|json` and its shorthand `--json`, as verify and compact spell it.
function formatOptions(json: string): Option[] {
  return [
    new Option('--format <format>', `table, or json${json}`).choices(['table', 'json']).default('table'),
    new Option('--json', 'same as --format json'),
  ];
}

// The output format the options ask for. `--json` and `--format json` say the same thing and may
// both be given; `--json` with another `--format` contradicts itself.
function formatOf(cmd: Command, opts: { format: 'table' | 'json'; json?: boolean }): 'table' | 'json' {
  if (opts.json && cmd.getOptionValueSource('format') === 'cli' && opts.format !== 'json') {
    cmd.error(`error: option '--json' cannot be used with option '--format ${opts.format}'`, { exitCode: 2, code: 'runstate.usage' });
  }
  return opts.json ? 'json' : opts.format;
}

const DELETED_HELP = 'read a deleted container of this id: a ref from "runstate deleted <id>" (alone: the one deleted last)';

// `--deleted` given alone means the container deleted last.
function deletedRef(value: string | true | undefined): string | undefined {
  return value === true ? 'latest' : value;
}

// After `bench --help`'s options: what runs where, which globals do not apply, exit status.
const BENCH_FOOTER = `
Runs the package's lock-contention benchmark, bench/run.js (see bench/README.md), in a child
process: the machine, validation and tables on stdout, progress on stderr. The global --root and
--lock-timeout do not apply: the benchmark makes its own stores under --dir. A global
--durability before "bench" selects the durability measured, like --durability after it.
Backends sqlite and proper-lockfile need bench/'s own packages, installed on first use with
"npm ci --prefix <bench dir>" (network; better-sqlite3 builds SQLite, ~2 min).

Exit status: 0 ok, 1 a locked backend lost an op or a row failed (or ENOBENCH: no bench/),
2 usage error, 130/143 interrupted by SIGINT/SIGTERM (passed on to the runner).

Examples:
  runstate bench --quick
  runstate bench --scenarios hot --procs 8 --durability none --json out.json --chart out.svg`;

// After `purge --help`'s options: what is printed, and that nothing matched is no failure.
const PURGE_FOOTER = `
Removes what "runstate delete" kept under <root>/.history/<id>/: the events and files of deleted
containers. Live containers are never touched. Prints one line per history removed ("web: purged
<ref> (deleted <time>, N events)"; --json: an array of {id, ref, created, deleted, seq}).
Nothing to remove is not an error: no output, exit 0. A <ref> that is not kept is ENOTFOUND.

Exit status: 0 ok (also when nothing matched), 1 the purge failed, 2 usage error.

Examples:
  runstate purge web                             # every deleted "web" kept
  runstate purge web latest                      # the one deleted last
  runstate purge --all --before 2024-05-01       # every id's, deleted before that day`;

const HELP_FOOTER = `
Exit status: 0 ok, 1 the operation failed, 2 usage error.
Errors are printed to stderr as "runstate: CODE: message". See docs/cli.md.`;

// The global options, fresh instances each call: the program shows them in its help, and every
// command repeats them hidden so they are also accepted after the command (see `buildProgram`).
function globalOptions(): Option[] {
  return [
    new Option('--root <dir>', 'state directory (env RUNSTATE_ROOT; default $XDG_RUNTIME_DIR/runstate, /run/runstate as root, else $TMPDIR/runstate-<uid>)').argParser(nonEmptyPath),
    new Option('--durability <mode>', 'fsync: each transition is flushed before the command returns; none: no flush (default fsync)').choices(['fsync', 'none']),
    new Option('--lock-timeout <ms>', 'give up waiting for a container lock after <ms> (ELOCKTIMEOUT; default 30000)').argParser(count),
  ];
}

/** What the program reports back to `run`. */
export interface ProgramResult {
  exitCode: number;
}

// Build the whole command tree for one invocation; actions load their module on demand.
export function buildProgram(proc: CliProcess, result: ProgramResult): Command {
  const program = new Command('runstate');
  // A global given after the command (the command's hidden copy) wins over one given before.
  const ctx = (cmd: Command): Context => makeContext(proc, { ...program.opts(), ...cmd.opts() });
  program
    .description('Event-sourced, multi-process-safe state store for container lifecycles.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', HELP_FOOTER)
    .showSuggestionAfterError()
    // The program's options end at the command name, so a command may give a global's name
    // another meaning (`bench --durability fsync,none`); the hidden copies below keep every
    // other global working after the command too.
    .enablePositionalOptions();
  for (const opt of globalOptions()) program.addOption(opt);

  program.command('create')
    .description('record a container; with a command after --, keep it to run at start')
    .argument('<id>', 'container id')
    .argument('[command...]', 'command and arguments to run at start (put them after --)')
    .option('--bundle <dir>', 'bundle directory (default: the current directory)', nonEmptyPath)
    .option('--annotation <key=value>', 'add an annotation (repeatable)', annotation)
    .option('--pid <n>', 'record an already running process as the container\'s', pid)
    .action(async (id: string, command: string[], opts: { bundle?: string; annotation?: Record<string, string>; pid?: number }, cmd: Command) => {
      if (opts.pid !== undefined && command.length > 0) cmd.error('error: --pid and a command exclude each other', { exitCode: 2, code: 'runstate.usage' });
      const { create } = await import('./commands/create.js');
      await create(ctx(cmd), id, command, opts);
    });

  program.command('start')
    .description('run the container\'s command under a monitor (or just record started) and record the pid')
    .argument('<id>', 'container id')
    .action(async (id: string, _opts: object, cmd: Command) => {
      const { start } = await import('./commands/start.js');
      await start(ctx(cmd), id);
    });

  for (const action of ['pause', 'resume'] as const) {
    program.command(action)
      .description(action === 'pause' ? 'record paused and SIGSTOP the process group' : 'record resumed and SIGCONT the process group')
      .argument('<id>', 'container id')
      .action(async (id: string, _opts: object, cmd: Command) => {
        const { pauseOrResume } = await import('./commands/pause.js');
        await pauseOrResume(ctx(cmd), id, action);
      });
  }

  program.command('annotate')
    .description('set annotations (key=value) and remove them (key-), in one event, in any status')
    .argument('<id>', 'container id')
    .argument('<changes...>', 'key=value to set (the value may be empty or hold "="), key- to remove')
    .action(async (id: string, changes: string[], _opts: object, cmd: Command) => {
      const patch: Record<string, string | null> = Object.create(null); // so that `__proto__` reaches the store, which refuses it
      for (const change of changes) {
        const eq = change.indexOf('=');
        if (eq >= 0) patch[change.slice(0, eq)] = change.slice(eq + 1); // an empty key: EINVALID from the store
        else if (eq === -1 && change.length > 1 && change.endsWith('-')) patch[change.slice(0, -1)] = null;
        else cmd.error(`error: expected key=value or key-, got ${JSON.stringify(change)}`, { exitCode: 2, code: 'runstate.usage' });
      }
      const { annotate } = await import('./commands/annotate.js');
      await annotate(ctx(cmd), id, patch);
    });

  program.command('kill')
    .description('record killed and send a signal (default TERM) to the process group')
    .argument('<id>', 'container id')
    .argument('[signal]', 'TERM, SIGKILL, 9, …')
    .action(async (id: string, signal: string | undefined, _opts: object, cmd: Command) => {
      // `kill -9 web`, as kill(1) has it: no id starts with '-', so this is the order, not an id.
      if (id.startsWith('-') && signal !== undefined) {
        cmd.error(`error: the signal follows the id: runstate kill <id> [signal], e.g. runstate kill ${signal} ${id.slice(1)}`, { exitCode: 2, code: 'runstate.usage' });
      }
      const { kill } = await import('./commands/kill.js');
      await kill(ctx(cmd), id, signal);
    });

  program.command('delete')
    .description('delete a created or stopped container; its history is kept')
    .argument('<id>', 'container id')
    .option('-f, --force', 'kill (SIGKILL) a running or paused container first')
    .action(async (id: string, opts: { force?: boolean }, cmd: Command) => {
      const { remove } = await import('./commands/delete.js');
      await remove(ctx(cmd), id, opts);
    });

  program.command('state')
    .description('print the OCI state JSON of a container')
    .argument('<id>', 'container id')
    .option('--json', ALWAYS_JSON)
    .action(async (id: string, _opts: object, cmd: Command) => {
      const { state } = await import('./commands/state.js');
      await state(ctx(cmd), id);
    });

  const list = program.command('list')
    .description('list all containers');
  for (const opt of formatOptions(' (an array)')) list.addOption(opt);
  // Ids only is a format of its own: asking for another as well is a contradiction, not a choice.
  list.addOption(new Option('-q, --quiet', 'print ids only, one per line (not with --format or --json)').conflicts(['format', 'json']))
    .action(async (opts: { format: 'table' | 'json'; json?: boolean; quiet?: boolean }, cmd: Command) => {
      const { list: run } = await import('./commands/list.js');
      await run(ctx(cmd), { format: formatOf(cmd, opts), ...(opts.quiet ? { quiet: true } : {}) });
    });

  const events = program.command('events')
    .description('print the history of a container')
    .argument('<id>', 'container id')
    .option('--since <seq>', 'only events after seq <seq>', count);
  for (const opt of formatOptions(' (one JSON object per line)')) events.addOption(opt);
  events.option('--follow', 'keep printing new events until the container is deleted (SIGINT: exit 130, SIGTERM: 143)')
    .option('--deleted [ref]', DELETED_HELP)
    .action(async (id: string, opts: { since?: number; format: 'table' | 'json'; json?: boolean; follow?: boolean; deleted?: string | true }, cmd: Command) => {
      if (opts.follow && opts.deleted !== undefined) cmd.error('error: --follow and --deleted cannot be used together: a deleted container has no new events', { exitCode: 2, code: 'runstate.usage' });
      const { events: run } = await import('./commands/events.js');
      const { json: _json, ...rest } = opts;
      result.exitCode = await run(ctx(cmd), id, { ...rest, format: formatOf(cmd, opts), deleted: deletedRef(opts.deleted) });
    });

  program.command('replay')
    .description('print the state JSON at a point of the history')
    .argument('<id>', 'container id')
    .addOption(new Option('--at-seq <n>', 'the state after event <n>').argParser(seq).conflicts('atTime'))
    .addOption(new Option('--at-time <iso>', 'the state at a time: YYYY-MM-DD (midnight UTC), or a date and time with Z or ±HH:MM').argParser(parseIsoTime))
    .option('--deleted [ref]', DELETED_HELP)
    .option('--json', ALWAYS_JSON)
    .action(async (id: string, opts: { atSeq?: number; atTime?: number; deleted?: string | true }, cmd: Command) => {
      if (opts.atSeq === undefined && opts.atTime === undefined) cmd.error('error: give exactly one of --at-seq <n> and --at-time <iso>', { exitCode: 2, code: 'runstate.usage' });
      const { replay } = await import('./commands/replay.js');
      const deleted = deletedRef(opts.deleted);
      await replay(ctx(cmd), id, {
        ...(opts.atSeq !== undefined ? { atSeq: opts.atSeq } : { atTime: opts.atTime! }),
        ...(deleted !== undefined ? { deleted } : {}),
      });
    });

  const deleted = program.command('deleted')
    .description('list the deleted containers of an id whose history is kept')
    .argument('<id>', 'container id');
  for (const opt of formatOptions(' (an array)')) deleted.addOption(opt);
  deleted.action(async (id: string, opts: { format: 'table' | 'json'; json?: boolean }, cmd: Command) => {
    const { deleted: run } = await import('./commands/deleted.js');
    await run(ctx(cmd), id, { format: formatOf(cmd, opts) });
  });

  program.command('purge')
    .description('remove the kept history of deleted containers: all of an id\'s, one ref, or every id\'s (--all)')
    .argument('[id]', 'container id (not with --all)')
    .argument('[ref]', 'only this one: a ref from "runstate deleted <id>", or latest for the one deleted last')
    .option('--all', 'the deleted containers of every id')
    .option('--before <iso>', 'only those deleted before this time (YYYY-MM-DD, or a date and time with Z or ±HH:MM); those deleted at or after it are kept', parseIsoTime)
    .option('--json', 'print what was removed as a JSON array')
    .addHelpText('after', PURGE_FOOTER)
    .action(async (id: string | undefined, ref: string | undefined, opts: { all?: boolean; before?: number; json?: boolean }, cmd: Command) => {
      if (opts.all && id !== undefined) cmd.error('error: --all purges every id: give no id with it', { exitCode: 2, code: 'runstate.usage' });
      if (!opts.all && id === undefined) cmd.error('error: give a container id or --all', { exitCode: 2, code: 'runstate.usage' });
      const { purge } = await import('./commands/purge.js');
      await purge(ctx(cmd), id, ref, opts);
    });

  program.command('verify')
    .description('check logs (frames, checksums, hash chain, projection); exit 1 if any is damaged')
    .argument('[ids...]', 'container ids')
    .option('--all', 'verify every container')
    .option('--json', 'print the reports as JSON')
    .action(async (ids: string[], opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      if (ids.length === 0 && !opts.all) cmd.error('error: give container ids or --all', { exitCode: 2, code: 'runstate.usage' });
      const { verify } = await import('./commands/verify.js');
      result.exitCode = await verify(ctx(cmd), ids, opts);
    });

  program.command('compact')
    .description('snapshot containers and start new log segments (old ones kept under segments/)')
    .argument('[ids...]', 'container ids')
    .option('--all', 'compact every container')
    .option('--keep-segments <n>', 'keep only the newest <n> sealed segments (older history becomes EPRUNED)', count)
    .option('--json', 'print the results as JSON')
    .action(async (ids: string[], opts: { all?: boolean; keepSegments?: number; json?: boolean }, cmd: Command) => {
      if (ids.length === 0 && !opts.all) cmd.error('error: give container ids or --all', { exitCode: 2, code: 'runstate.usage' });
      const { compact } = await import('./commands/compact.js');
      result.exitCode = await compact(ctx(cmd), ids, opts);
    });

  const bench = program.command('bench')
    .description('run the lock-contention benchmark (runstate vs raw flock, SQLite, proper-lockfile, …)')
    .addHelpText('after', BENCH_FOOTER)
    .action(async (opts: BenchFlags, cmd: Command) => {
      // `runstate --durability none bench` can only mean "measure at none": never ignore it silently.
      const globalDurability = program.opts<{ durability?: string }>().durability;
      const flags = opts.durability === undefined && globalDurability ? { ...opts, durability: globalDurability } : opts;
      const { bench: run } = await import('./commands/bench.js');
      result.exitCode = await run(ctx(cmd), flags);
    });
  for (const opt of benchOptions()) bench.addOption(opt);

  for (const command of program.commands) {
    for (const opt of globalOptions()) {
      if (!command.options.some((own) => own.long === opt.long)) command.addOption(opt.hideHelp());
    }
  }
  return program;
}

// Commander's "error: unknown option '--x'\n(Did you mean --y?)\n" as one "runstate: EUSAGE: …" line.
function usageLine(text: string): string {
  const message = text.replace(/^error:\s*/, '').split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
  return `runstate: EUSAGE: ${message}\n`;
}

// Configure every command alike: output into `proc`, errors thrown instead of exiting.
function wire(command: Command, proc: CliProcess): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => proc.stdout.write(text),
      writeErr: (text) => proc.stderr.write(text),
      outputError: (text, write) => write(usageLine(text)),
    });
  for (const sub of command.commands) wire(sub, proc);
}

// The arguments to give commander for a command line that asks for help in a way commander gets
// wrong; undefined for anything else.
// - `runstate nosuch --help` and `runstate help nosuch` ask for the help of a command that does not
//   exist: the arguments that make commander report the unknown command (exit 2, with a
//   suggestion), as `runstate nosuch` does, rather than print the program's help.
// - `runstate help --help` asks for help on help: the program's help, on stdout, as `runstate help`
//   gives it (commander takes `--help` there for a command name, and prints help as an error).
function helpArgs(program: Command, args: readonly string[]): string[] | undefined {
  const positional: number[] = [];
  for (let i = 0; i < args.length && positional.length < 2; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('-')) positional.push(i);
    else if (!arg.includes('=') && program.options.some((o) => (o.long === arg || o.short === arg) && o.required)) i++;
    if (positional.length === 1 && args[positional[0]!] !== 'help') break;
  }
  const known = (name: string): boolean => program.commands.some((c) => c.name() === name || c.aliases().includes(name));
  const [first, second] = positional.map((i) => args[i]!);
  if (first === 'help' && second !== undefined && !known(second)) return [second];
  const asksHelp = args.some((a) => a === '--help' || a === '-h');
  if (first === 'help' && asksHelp) return args.filter((a) => a !== '--help' && a !== '-h');
  if (first !== undefined && first !== 'help' && asksHelp && !known(first)) return args.filter((a) => a !== '--help' && a !== '-h');
  return undefined;
}

// Parse and run one command line; usage errors resolve to 2, --help and --version to 0.
// Failures of the operation itself are thrown to `run`.
export async function runProgram(proc: CliProcess, args: readonly string[]): Promise<number> {
  const result: ProgramResult = { exitCode: 0 };
  const program = buildProgram(proc, result);
  wire(program, proc);
  try {
    await program.parseAsync(helpArgs(program, args) ?? [...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return result.exitCode;
}
