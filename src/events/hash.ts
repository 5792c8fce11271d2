import { HASH_SIZE } from './header.js';
import { sha256 } from './sha256.js';

/** The `prev` of the first record of a container. */
export const ZERO_HASH = Buffer.alloc(HASH_SIZE);

// Hash of one record: SHA-256 of its payload bytes, truncated to 16 bytes.
// The payload holds `prev`, so each hash covers the whole history before it.
export function recordHash(payload: Uint8Array): Buffer {
  return sha256(payload, 0, payload.length, HASH_SIZE);
}
