// spread: one container per worker (different containers must never contend).
import { runWrites } from './writes.js';

export const name = 'spread';
export const about = 'K workers, one container each';

// Rows for every backend × durability × K
export const run = (ctx) => runWrites(ctx, 'spread', (w) => `c${w}`);
