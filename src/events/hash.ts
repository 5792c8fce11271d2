import crypto from 'node:crypto';
import { HASH_SIZE } from './header.js';

/** The `prev` of the first record of a container. */
export const ZERO_HASH = Buffer.alloc(HASH_SIZE);

// Hash of one record: SHA-256 of its payload bytes, truncated to 16 bytes.
// The payload holds `prev`, so each hash covers the whole history before it.
export function recordHash(payload: Uint8Array): Buffer {
  // One-shot crypto.hash avoids a Hash object per record (Node >= 20.12).
  return crypto.hash('sha256', payload, 'buffer').subarray(0, HASH_SIZE);
}
