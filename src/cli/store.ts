import type { ContainerState, ListEntry, Store, StoreOptions } from '../index.js';
import type { Globals } from './context.js';

/** One row of `list` as the CLI uses it: a state, or why it could not be loaded. */
export interface ListRow {
  id: string;
  state?: ContainerState;
  error?: { code: string; message: string };
}

/** The store, as the CLI uses it. */
export type CliStore = Store;

// Open the store with the global options. The import is dynamic so that
// `--help`, `--version` and usage errors never load the storage engine.
export async function openCliStore(globals: Globals): Promise<CliStore> {
  const { openStore } = await import('../index.js');
  const options: StoreOptions = { root: globals.root, syncLock: true };
  // A one-shot CLI process has nothing else to do while it waits: the blocking flock is cheapest.
  if (globals.durability !== undefined) options.durability = globals.durability;
  if (globals.lockTimeoutMs !== undefined) options.lockTimeoutMs = globals.lockTimeoutMs;
  return openStore(options);
}

// Run `fn` with an open store and close it whatever happens.
export async function withStore<T>(globals: Globals, fn: (store: CliStore) => Promise<T>): Promise<T> {
  const store = await openCliStore(globals);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

// A `list` entry as a row: the state, or the error that kept it from loading.
export function toListRow(entry: ListEntry): ListRow {
  return 'error' in entry ? { id: entry.id, error: entry.error } : { id: entry.id, state: entry };
}
