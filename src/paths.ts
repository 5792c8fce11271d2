import os from 'node:os';
import path from 'node:path';
import { RunstateError } from './errors.js';

/** Container ids: a letter or digit, then up to 127 of `A-Za-z0-9_.+-`. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

// Refuse an id that could escape the root or name a hidden entry.
export function validateId(id: unknown): string {
  if (typeof id !== 'string') throw new TypeError(`container id must be a string, got ${typeof id}`);
  if (!ID_PATTERN.test(id) || id.includes('..')) {
    const shown = JSON.stringify(id.length > 140 ? `${id.slice(0, 140)}…` : id);
    throw new RunstateError('EINVALIDID',
      `invalid container id ${shown}: use 1-128 characters from A-Z a-z 0-9 _ . + -, starting with a letter or digit, without ".."`,
      { id });
  }
  return id;
}

// The default state directory when no root is configured.
export function defaultRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RUNSTATE_ROOT) return path.resolve(env.RUNSTATE_ROOT);
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'runstate');
  const uid = process.getuid?.() ?? -1;
  if (uid === 0) return '/run/runstate';
  return path.join(os.tmpdir(), `runstate-${uid}`);
}

/** File names inside one container directory. */
export const FILES = {
  lock: 'lock',
  log: 'events.log',
  meta: 'meta.json',
  segments: 'segments',
} as const;

/** Directory names directly under the root (never valid ids: they start with a dot). */
export const ROOT_DIRS = {
  history: '.history',
  tmp: '.tmp',
} as const;

// The directory of one container. Callers validate the id first.
export function containerDir(root: string, id: string): string {
  return path.join(root, id);
}

// The one place that derives a container's lock path: every lock of a container goes through it.
export function lockPath(root: string, id: string): string {
  return path.join(containerDir(root, id), FILES.lock);
}
