import { readFileSync } from 'node:fs';

/** The fields of `/proc/<pid>/stat` that runstate uses. */
export interface ProcStat {
  pid: number;
  /** Executable name (field 2), without the enclosing parentheses. */
  comm: string;
  /** One-letter state (field 3): R, S, D, T, t, Z, X, … */
  state: string;
  ppid: number;
  /** Process group id (field 5). */
  pgrp: number;
  /** Session id (field 6). */
  session: number;
  /** Start time after boot in clock ticks (field 22): with the pid, it names one process. */
  startTime: number;
}

// Refuse what cannot be a pid: a programmer mistake, not bad input.
export function assertPid(pid: unknown): asserts pid is number {
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) {
    throw new TypeError(`pid must be a positive integer, got ${String(pid)}`);
  }
}

// Parse the text of /proc/<pid>/stat; null when it is not one.
export function parseProcStat(text: string): ProcStat | null {
  // comm (field 2) may hold spaces, parentheses and even newlines: it is the text
  // between the first '(' and the LAST ')', so split the fields after that one.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3, so field n is rest[n - 3].
  if (!Number.isSafeInteger(pid) || rest.length < 20) return null;
  const num = (field: number): number => Number(rest[field - 3]);
  const stat: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: num(4),
    pgrp: num(5),
    session: num(6),
    startTime: num(22),
  };
  return Number.isSafeInteger(stat.startTime) && Number.isSafeInteger(stat.pgrp) ? stat : null;
}

// Read /proc/<pid>/stat; null when there is no such process (or no /proc).
export function readProcStat(pid: number): ProcStat | null {
  assertPid(pid);
  let text: string;
  try {
    // latin1: comm is raw bytes, not necessarily UTF-8; the fields we parse are ASCII.
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw err;
  }
  return parseProcStat(text);
}

// Start time of a process (field 22 of /proc/<pid>/stat), undefined when it does not exist.
export function readPidStart(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}
