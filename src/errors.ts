/**
 * Stable error codes. Codes never change meaning between major versions;
 * messages may be reworded.
 */
export const ErrorCodes = {
  /** The transition is not allowed from the container's current status. */
  EBADTRANSITION: 'EBADTRANSITION',
  /** No container with that id exists. */
  ENOTFOUND: 'ENOTFOUND',
  /** A container with that id exists already. */
  EEXIST: 'EEXIST',
  /** The container id does not match the allowed pattern. */
  EINVALIDID: 'EINVALIDID',
  /** The container lock was not obtained within the lock timeout. */
  ELOCKTIMEOUT: 'ELOCKTIMEOUT',
  /** A record before the log's tail is damaged, or the hash chain is broken. */
  ECORRUPT: 'ECORRUPT',
  /** The requested history point was removed by retention. */
  EPRUNED: 'EPRUNED',
  /** A payload or annotation exceeds the size limits. */
  ETOOLARGE: 'ETOOLARGE',
  /** A file has an unknown format version, magic or event type. */
  EFORMAT: 'EFORMAT',
  /** An argument value is invalid (unknown signal, bad option value). */
  EINVALID: 'EINVALID',
  /** A path inside the root is a symlink or not what it should be. */
  EUNSAFEPATH: 'EUNSAFEPATH',
  /** The flock primitive is not available (fs-ext did not build). */
  ENOLOCK: 'ENOLOCK',
  /** The store was closed: it takes no more calls. */
  ECLOSED: 'ECLOSED',
} as const;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ErrorCodes;

/** Extra facts attached to an error (file, offset, id, …). */
export interface ErrorDetails {
  id?: string;
  file?: string;
  offset?: number;
  seq?: number;
  status?: string;
  [key: string]: unknown;
}

// The one error class of the library: every failure a caller can act on.
export class RunstateError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Structured facts about the failure. */
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunstateError';
    this.code = code;
    this.details = details;
  }
}

// True when `err` is a RunstateError, optionally with the given code.
export function isRunstateError(err: unknown, code?: ErrorCode): err is RunstateError {
  return err instanceof RunstateError && (code === undefined || err.code === code);
}
