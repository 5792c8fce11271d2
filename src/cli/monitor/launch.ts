import { closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from '../errors.js';
import { openContainerFile } from './record.js';
import type { ContainerState } from '../../options.js';
import type { Globals } from '../context.js';
import type { MonitorConfig, MonitorReply } from './protocol.js';

/** The monitor's own stdout/stderr (its crashes), in the container directory. */
export const MONITOR_LOG = 'monitor.log';

// The monitor's entry script, dist/cli/monitor/main.js. This code runs from dist/cli/monitor/ or,
// in the bundled CLI (dist/cli/runstate.bundle.js), from dist/cli/: resolve from either.
function monitorScript(): string {
  const here = new URL('.', import.meta.url);
  return fileURLToPath(new URL(here.pathname.endsWith('/monitor/') ? './main.js' : './monitor/main.js', here));
}

// Start a detached monitor that runs `command` and records `started`; resolve once it is recorded.
export async function launchMonitor(globals: Globals, id: string, command: string[], cwd: string, env: Record<string, string | undefined>): Promise<ContainerState> {
  // Loaded here, not at start-up: every other command would pay for it (the CLI is one bundle).
  const { spawn } = await import('node:child_process');
  const config: MonitorConfig = { ...globals, id, command, cwd };
  const script = monitorScript();
  const log = openContainerFile(globals.root, id, MONITOR_LOG);
  let child;
  try {
    // detached: its own session, so the terminal's signals and our exit do not reach it.
    child = spawn(process.execPath, [script, JSON.stringify(config)], {
      detached: true,
      stdio: ['ignore', log, log, 'ipc'],
      env: { ...env },
      cwd,
    });
  } finally {
    closeSync(log);
  }
  const monitor = child;
  // The monitor may wait for the lock as long as any writer, then needs a moment more.
  const timeoutMs = (globals.lockTimeoutMs ?? 30_000) + 10_000;
  return new Promise((resolve, reject) => {
    const finish = (err: Error | null, state?: ContainerState): void => {
      clearTimeout(timer);
      monitor.removeAllListeners();
      if (monitor.connected) monitor.disconnect();
      // Never wait for the monitor: it outlives this command by design.
      monitor.unref();
      if (err) reject(err);
      else resolve(state!);
    };
    const timer = setTimeout(() => finish(new CliError('ESPAWN', `monitor of "${id}" did not report within ${timeoutMs} ms; see ${MONITOR_LOG} in the container directory`)), timeoutMs);
    monitor.once('message', (message: MonitorReply) => {
      if (message.ok) return finish(null, message.state);
      const err = Object.assign(new Error(message.message), { code: message.code });
      finish(err);
    });
    monitor.once('error', (err) => finish(new CliError('ESPAWN', `cannot start the monitor of "${id}": ${err.message}`, { cause: err })));
    monitor.once('exit', (code, signal) => finish(new CliError('ESPAWN',
      `monitor of "${id}" exited (${signal ?? `code ${code}`}) before the container started; see ${MONITOR_LOG} in the container directory`)));
  });
}
