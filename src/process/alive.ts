import { existsSync } from 'node:fs';
import { readProcStat } from './stat.js';

let procMounted: boolean | undefined;

// True when /proc gives process start times here (Linux); elsewhere only existence can be checked.
export function hasProc(): boolean {
  procMounted ??= existsSync('/proc/self/stat');
  return procMounted;
}

// Whether the process that was `pid` when `pidStart` was recorded still runs.
export function isAlive(pid: number, pidStart?: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (!hasProc()) return signalZero(pid);
  const stat = readProcStat(pid);
  if (stat === null) return false;
  // A zombie has finished: it only waits for its parent to collect the exit status.
  if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
  // Another start time means the pid was reused by a different process.
  if (pidStart !== undefined && pidStart > 0 && stat.startTime !== pidStart) return false;
  return true;
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Wait until the process is gone or `timeoutMs` passed; true when it is gone.
export async function waitForExit(pid: number, pidStart: number | undefined, timeoutMs: number, intervalMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(pid, pidStart)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
