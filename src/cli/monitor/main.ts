// The monitor: started detached by `runstate start`, it runs the container's
// command in its own process group, records `started`, waits, and records `exited`.
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { isRunstateError } from '../../errors.js';
import { readPidStart } from '../../process/stat.js';
import { withStore } from '../store.js';
import { openContainerFile, writeMonitorRecord } from './record.js';
import type { ChildProcess } from 'node:child_process';
import type { MonitorConfig, MonitorReply } from './protocol.js';

/** Where the command's output goes, in the container directory. */
export const STDOUT_LOG = 'stdout.log';
export const STDERR_LOG = 'stderr.log';

function reply(message: MonitorReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, () => {
      // The CLI gets one answer; after it, nothing ties us to the CLI any more.
      if (process.connected) process.disconnect();
      resolve();
    });
  });
}

function failure(err: unknown): MonitorReply {
  const e = err as { code?: unknown; message?: unknown };
  return { ok: false, code: typeof e.code === 'string' ? e.code : 'ESPAWN', message: String(e.message ?? err) };
}

// Spawn the command in a new session (so a new process group): pause/resume/kill act on the group.
function spawnCommand(config: MonitorConfig): Promise<ChildProcess> {
  const out = openContainerFile(config.root, config.id, STDOUT_LOG);
  const err = openContainerFile(config.root, config.id, STDERR_LOG);
  try {
    const [file, ...args] = config.command;
    const cannotRun = (e: Error): Error => Object.assign(new Error(`cannot run ${JSON.stringify(file)}: ${e.message}`), { code: 'ESPAWN' });
    let child: ChildProcess;
    try {
      child = spawn(file!, args, { detached: true, stdio: ['ignore', out, err], cwd: config.cwd, env: process.env });
    } catch (e) {
      // Refused before any process was made (an empty program name, recorded by an older runstate).
      return Promise.reject(cannotRun(e as Error));
    }
    if (child.pid !== undefined) return Promise.resolve(child);
    return new Promise((_, reject) => child.once('error', (e) => reject(cannotRun(e))));
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as MonitorConfig;
  const { root, id } = config;
  let child: ChildProcess;
  try {
    child = await spawnCommand(config);
  } catch (err) {
    return reply(failure(err));
  }
  const pid = child.pid!;
  // Read before the event loop turns: an exited child stays a zombie until libuv
  // reaps it, so its start time is still readable.
  const pidStart = readPidStart(pid) ?? 0;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  try {
    const state = await withStore(config, (store) => store.start(id, { pid, pidStart }));
    // Only the winner of concurrent starts names itself the monitor.
    writeMonitorRecord(root, id, { pid: process.pid, pidStart: readPidStart(process.pid) ?? 0, child: pid });
    await reply({ ok: true, state });
  } catch (err) {
    // Not recorded (e.g. a concurrent start won): the process must not outlive that.
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    return reply(failure(err));
  }
  const { code, signal } = await exit;
  // The exit is worth a few lock timeouts: if it is lost, the next command can only
  // record that the process is gone, not how it ended.
  for (let attempt = 1; ; attempt++) {
    try {
      return await recordExit(config, pid, pidStart, code, signal);
    } catch (err) {
      if (!isRunstateError(err, 'ELOCKTIMEOUT') || attempt >= 3) throw err;
    }
  }
}

// Append `exited` unless the container moved on (stopped, deleted, reused by another process).
function recordExit(config: MonitorConfig, pid: number, pidStart: number, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
  const { id } = config;
  return withStore(config, async (store) => {
    try {
      const state = await store.state(id);
      // Only our own process: the id may have been deleted and reused meanwhile.
      if ((state.status !== 'running' && state.status !== 'paused') || state.pid !== pid || state.pidStart !== pidStart) return;
      // Node names no real-time signal: a process one ended is reported as exit code 0. After a
      // real-time `kill`, that 0 may be either, so the exit is recorded without a code or a signal.
      const unknown = signal === null && code === 0 && state.killSignal?.startsWith('SIGRT') === true;
      const how = signal !== null ? { signal } : unknown ? {} : { code: code ?? 0 };
      // The same check again under the lock: the read above may be stale by now.
      await store.exited(id, { ...how, ifPid: pid, ifPidStart: pidStart });
    } catch (err) {
      // Deleted, or already recorded by another command: nothing to do.
      if (isRunstateError(err, 'ENOTFOUND') || isRunstateError(err, 'EBADTRANSITION')) return;
      throw err;
    }
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`runstate monitor: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
