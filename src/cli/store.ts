import type { BrokenEntry, ListEntry, Store, StoreOptions } from '../index.js';
import type { Globals } from './context.js';

// Open the store with the global options. The import is dynamic so that
// `--help`, `--version` and usage errors never load the storage engine.
export async function openCliStore(globals: Globals): Promise<Store> {
  const { openStore } = await import('../index.js');
  const options: StoreOptions = { root: globals.root, syncLock: true };
  // A one-shot CLI process has nothing else to do while it waits: it waits on its own thread (a
  // polled non-blocking flock, since a blocking one cannot time out), not through libuv's pool.
  if (globals.durability !== undefined) options.durability = globals.durability;
  if (globals.lockTimeoutMs !== undefined) options.lockTimeoutMs = globals.lockTimeoutMs;
  return openStore(options);
}

// Run `fn` with an open store and close it whatever happens.
export async function withStore<T>(globals: Globals, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openCliStore(globals);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

// Whether a `list` entry is a container that could not be loaded.
export function isBroken(entry: ListEntry): entry is BrokenEntry {
  return entry.status === 'unknown';
}
