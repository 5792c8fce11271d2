import { createRequire } from 'node:module';
import { RunstateError } from '../errors.js';

/** A flock(2) operation: exclusive, shared, their non-blocking forms (`nb`), or unlock. */
export type FlockOp = 'ex' | 'sh' | 'exnb' | 'shnb' | 'un';

/** The part of fs-ext this module relies on (fs-ext is CommonJS with callbacks). */
export interface FlockBinding {
  flock(fd: number, op: FlockOp, callback: (err: NodeJS.ErrnoException | null) => void): void;
  flockSync(fd: number, op: FlockOp): void;
}

const require = createRequire(import.meta.url);

// Loaded on first use, not at import: reading history needs no lock, so a broken addon
// must not make the whole library unimportable — it fails where a lock is needed.
let binding: FlockBinding | undefined;

// Load fs-ext's flock, or say how to fix it: a store without flock must never run unlocked.
export function loadFlockBinding(load: () => unknown = () => require('fs-ext')): FlockBinding {
  let mod: unknown;
  try {
    mod = load();
  } catch (cause) {
    throw noLock(`fs-ext could not be loaded (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})`, cause);
  }
  const m = mod as Partial<FlockBinding> | null | undefined;
  if (!m || typeof m.flock !== 'function' || typeof m.flockSync !== 'function') {
    throw noLock('fs-ext was loaded but has no flock/flockSync');
  }
  return m as FlockBinding;
}

function noLock(what: string, cause?: unknown): RunstateError {
  return new RunstateError('ENOLOCK',
    `runstate needs flock(2) from the native addon of fs-ext, but ${what}: the addon did not build. ` +
    'Run `npm rebuild fs-ext` (it needs a C++ toolchain and python) and check that install scripts are ' +
    'allowed for fs-ext (npm --ignore-scripts, or "allowScripts" in package.json).',
    {}, { cause });
}

function fsExt(): FlockBinding {
  return (binding ??= loadFlockBinding());
}

// fs-ext names the syscall "Flock" (sync) or "EIO_After" (async); give both one stable name.
function normalize(err: unknown): unknown {
  if (err instanceof Error) (err as NodeJS.ErrnoException).syscall = 'flock';
  return err;
}

// Apply a flock operation on the calling thread; blocking forms block the event loop.
export function flockSync(fd: number, op: FlockOp): void {
  const b = fsExt();
  try {
    b.flockSync(fd, op);
  } catch (err) {
    throw normalize(err);
  }
}

// Apply a flock operation on a libuv pool thread; a blocking form holds that thread until it returns.
export function flockAsync(fd: number, op: FlockOp): Promise<void> {
  const b = fsExt();
  return new Promise((resolve, reject) => {
    b.flock(fd, op, (err) => (err ? reject(normalize(err)) : resolve()));
  });
}

// True when a non-blocking flock failed because another open file description holds the lock.
export function isWouldBlock(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

// True when a blocking flock was interrupted by a signal and should simply be retried.
export function isInterrupted(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'EINTR';
}
