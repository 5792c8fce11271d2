import { escapeControls } from './format/escape.js';

/** Codes only the CLI reports (the library's codes are in src/errors.ts). */
export type CliErrorCode =
  /** Bad command line: unknown command or flag, missing argument, bad option value. Exit 2. */
  | 'EUSAGE'
  /** The command of a container, its monitor, or the benchmark runner could not be started. Exit 1. */
  | 'ESPAWN'
  /** `runstate bench`: the package's bench/ directory is missing from this installation. Exit 1. */
  | 'ENOBENCH';

// A failure of the CLI itself, printed like a library error.
export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}

// The one line printed for a failure: `runstate: CODE: message`.
export function errorLine(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code) ? e.code : 'EUNEXPECTED';
  let message = typeof e?.message === 'string' ? e.message : String(err);
  // Node's system errors start their message with their code (`ENOTDIR: not a directory, …`).
  if (message.startsWith(`${code}: `)) message = message.slice(code.length + 2);
  // One line, which a path or an id in the message (any text) cannot break or use to drive the terminal.
  return `runstate: ${code}: ${escapeControls(message.replace(/\s*\n\s*/g, ' ').trim())}\n`;
}
