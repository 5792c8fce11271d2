import { eachContainer } from '../each-container.js';
import type { CompactResult } from '../../index.js';
import type { Context } from '../context.js';

/** Flags of `compact`. */
export interface CompactFlags {
  all?: boolean;
  keepSegments?: number;
  json?: boolean;
}

// `compact [ids…] [--all] [--keep-segments N]`: snapshot each container and start a new log segment.
export function compact(ctx: Context, ids: string[], flags: CompactFlags): Promise<number> {
  const options = flags.keepSegments === undefined ? {} : { keepSegments: flags.keepSegments };
  return eachContainer(ctx, ids, flags, { run: (store, id) => store.compact(id, options), human: humanResult });
}

// `id: snapshot at seq N, sealed <file>, pruned K segments`.
function humanResult(r: CompactResult): string {
  const sealed = r.sealed === null ? 'nothing new to seal' : `sealed ${r.sealed}`;
  const pruned = r.pruned.length > 0 ? `, pruned ${r.pruned.length} segment${r.pruned.length === 1 ? '' : 's'}` : '';
  return `${r.id}: snapshot at seq ${r.seq}, ${sealed}${pruned}`;
}
