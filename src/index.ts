// The public surface of runstate: every export by name.

// Open a store and work with its containers.
export { openStore, Store } from './store.js';
export type { WatchOptions } from './store/watch.js';
export type { CompactResult } from './store/compact.js';
export type { DeletedContainer } from './store/deleted.js';
export type { LockStats } from './lock/container-lock.js';
export type {
  StoreOptions, CompactOptions, Durability, ProjectionMode, CreateOptions, StartOptions, ExitOptions, DeleteOptions,
  HistoryOptions, ReplayOptions, PurgeOptions, PurgeAllOptions, VerifyReport, VerifyProblem, ListEntry, BrokenEntry,
} from './options.js';

// States and events.
export type { ContainerState, StoredEvent, Status, EventType, EventData, Actor, LifecycleEvent } from './events/types.js';
export { EVENT_TYPES } from './events/types.js';

// The state machine, as data, and the pure fold.
export { TRANSITIONS } from './projection/transitions.js';
export type { Transition } from './projection/transitions.js';
export { evolve } from './projection/evolve.js';

// Errors with stable codes.
export { RunstateError, ErrorCodes, isRunstateError } from './errors.js';
export type { ErrorCode, ErrorDetails } from './errors.js';

// Ids and paths.
export { validateId, defaultRoot, lockPath, containerDir, ID_PATTERN } from './paths.js';

// Signals (as the store records them).
export { parseSignal } from './process/signals.js';
