import type { Durability } from '../options.js';

/** A command line the fast path runs without building the commander program. */
export interface FastCommand {
  globals: { root?: string; durability?: Durability; lockTimeout?: number };
  command: 'state';
  id: string;
}

// Recognise the plain, valid form of the hottest read: `[global options] state <id>`.
// Loading and building commander costs ~20 ms, as much as the rest of the command, and
// every CLI call is a fresh process. Anything unusual (help, a bad or unknown value,
// `--`, options after the command) returns undefined and goes through commander, so
// errors and help are produced in exactly one place.
export function parseFast(args: readonly string[]): FastCommand | undefined {
  const globals: FastCommand['globals'] = {};
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) break;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (name === '--root') globals.root = value;
    else if (name === '--durability' && (value === 'fsync' || value === 'none')) globals.durability = value;
    else if (name === '--lock-timeout' && /^[0-9]{1,15}$/.test(value)) globals.lockTimeout = Number(value);
    else return undefined;
  }
  const [command, id, ...rest] = args.slice(i);
  if (command !== 'state' || id === undefined || id.startsWith('-') || rest.length > 0) return undefined;
  return { globals, command, id };
}
