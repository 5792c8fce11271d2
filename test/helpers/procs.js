import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The path of a fixture script.
export function fixture(name) {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

// Fork workers, wait until all are ready, release them together, and collect their reports.
export async function runTogether(script, argsList) {
  const kids = argsList.map((args) => fork(fixture(script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const ready = kids.map((k) => new Promise((resolve, reject) => {
    k.once('message', resolve);
    k.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  }));
  await Promise.all(ready);
  const done = kids.map((k) => new Promise((resolve, reject) => {
    k.removeAllListeners('exit');
    k.on('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    k.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  }));
  for (const k of kids) k.send('go');
  return Promise.all(done);
}
