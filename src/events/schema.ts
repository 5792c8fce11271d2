// Limits of a record's fields that every reader checks alike.

/** Version of the record payload schema. */
export const RECORD_VERSION = 1;

/** Largest time, in ms from the epoch, a JavaScript Date holds (±100,000,000 days). */
export const MAX_TIME_MS = 8.64e15;
