// Fork K worker processes, hold them at a barrier until all are ready, release them
// together, and gather their per-op samples.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
// Every worker not yet exited, of any round, for stopWorkers.
const live = new Set();
// Set once the runner is interrupted: no worker is started after it.
let stopped = false;
// Never settles: a round parks here while the interrupted runner removes its stores and exits,
// rather than report its killed workers as a failed row and go on to the next.
const parked = () => new Promise(() => {});

// Kill a worker with the processes it started (runstate-cli's), which are in its process group.
function kill(child) {
  try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
}

// Kill the running workers, the runner being interrupted, and resolve once they have exited (or
// after `ms`): until then a worker may still write into a store about to be removed. A worker in a
// synchronous op loop (raw-flock) cannot notice its runner is gone until the row's deadline, and it
// holds the runner's stdout and stderr open, so whoever reads them (runstate bench) would wait for it.
export function stopWorkers(ms = 5000) {
  stopped = true;
  const exited = [...live].map((c) => new Promise((resolve) => { c.once('exit', resolve); kill(c); }));
  return Promise.race([Promise.all(exited), new Promise((resolve) => setTimeout(resolve, ms))]);
}

// Run one contended round; `keyOf(w)` names the container/file worker w works on
export async function runWorkers({ procs, keyOf, init, execArgv = [], hangMs = 120_000 }) {
  if (stopped) await parked();
  const children = [];
  const results = new Array(procs);
  const ready = [];
  const done = [];
  for (let w = 0; w < procs; w++) {
    // A process group of its own (detached): a terminal's Ctrl-C reaches the runner, not the
    // workers, and the runner kills each with what it started and waits for them before it
    // removes the stores.
    const child = fork(WORKER, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv,
      detached: true,
    });
    children.push(child);
    live.add(child);
    child.once('exit', () => live.delete(child));
    ready.push(new Promise((resolve, reject) => {
      child.on('message', (m) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'done') results[w] = m;
        else if (m.type === 'error') reject(Object.assign(new Error(`worker ${w}: ${m.message}`), { code: m.code }));
      });
      child.on('exit', (code) => reject(new Error(`worker ${w} exited (${code}) before ready`)));
    }));
    done.push(new Promise((resolve) => child.on('exit', (code) => resolve(code))));
    child.send({ type: 'init', ...init, key: keyOf(w), worker: w, procs });
  }
  const timer = setTimeout(() => {
    for (const c of children) if (c.exitCode === null) kill(c);
  }, hangMs);
  try {
    // The barrier: nobody starts until every worker has opened its backend and warmed up.
    await Promise.all(ready);
    for (const c of children) c.send({ type: 'go' });
    await Promise.all(done);
  } catch (err) {
    for (const c of children) if (c.exitCode === null) kill(c);
    await Promise.all(done);
    if (stopped) await parked();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (stopped) await parked();
  const missing = results.findIndex((r) => !r);
  if (missing >= 0) throw new Error(`worker ${missing} sent no result`);
  const failed = results.find((r) => r.error);
  if (failed) throw Object.assign(new Error(failed.error.message), { code: failed.error.code });
  return results;
}
