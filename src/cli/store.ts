import type { ContainerState, Store, StoreOptions, StoredEvent } from '../index.js';
import type { Globals } from './context.js';

/** One row of `list` as the CLI uses it: a state, or why it could not be loaded. */
export interface ListRow {
  id: string;
  state?: ContainerState;
  error?: { code: string; message: string };
}

/** The store, as the CLI uses it. */
export type CliStore = Store;

/** A live event stream (the store's rxjs Observable, seen structurally so rxjs stays unloaded). */
export interface EventStream {
  subscribe(observer: { next(e: StoredEvent): void; error(e: unknown): void; complete(): void }): { unsubscribe(): void };
}

// The store's `watch`, when this build of the store has one.
export function watchOf(store: CliStore): ((id: string, options: { fromSeq?: number }) => EventStream) | undefined {
  const watch = (store as unknown as { watch?: (id: string, options: { fromSeq?: number }) => EventStream }).watch;
  return watch?.bind(store);
}

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

// Accept either shape of a `list` entry: `{ id, ok, state | error }` or a state / `{ id, status: 'unknown', error }`.
export function toListRow(entry: unknown): ListRow {
  const e = entry as Record<string, unknown>;
  const id = String(e.id);
  if (typeof e.ok === 'boolean') {
    return e.ok ? { id, state: e.state as ContainerState } : { id, error: e.error as ListRow['error'] & object };
  }
  if (e.error !== undefined) return { id, error: e.error as ListRow['error'] & object };
  return { id, state: e as unknown as ContainerState };
}
