// hot: every worker transitions the same container (maximum lock contention).
import { runWrites } from './writes.js';

export const name = 'hot';
export const about = 'K workers, one container';

// Rows for every backend × durability × K
export const run = (ctx) => runWrites(ctx, 'hot', () => 'hot');
