import { readProcStat } from './stat.js';
import { signalNumber, type SignalName } from './signals.js';

// Signal a process and, when it leads its own process group, the whole group.
// Returns false when the process is already gone; other errors (EPERM) are thrown.
export function signalProcessGroup(pid: number, signal: SignalName): boolean {
  const stat = readProcStat(pid);
  if (stat === null) return false;
  // Only a group leader's group is ours to signal: a pid recorded from outside
  // (create --pid) may sit in its caller's group, which must not be hit.
  const target = stat.pgrp === pid ? -pid : pid;
  try {
    // By number: Node knows no real-time signal by name.
    process.kill(target, signalNumber(signal));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
