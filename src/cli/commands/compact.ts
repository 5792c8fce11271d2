import { validateId } from '../../paths.js';
import { errorLine } from '../errors.js';
import { json } from '../format/state.js';
import { withStore } from '../store.js';
import type { CompactResult } from '../../index.js';
import type { Context } from '../context.js';

/** Flags of `compact`. */
export interface CompactFlags {
  all?: boolean;
  keepSegments?: number;
  json?: boolean;
}

// `compact [ids…] [--all] [--keep-segments N]`: snapshot each container and start a new log segment.
export async function compact(ctx: Context, ids: string[], flags: CompactFlags): Promise<number> {
  for (const id of ids) validateId(id);
  let failed = false;
  const results: CompactResult[] = [];
  await withStore(ctx.globals, async (store) => {
    const targets = new Set(ids);
    if (flags.all) for (const entry of await store.list()) targets.add(entry.id);
    for (const id of [...targets].sort()) {
      try {
        const r = await store.compact(id, flags.keepSegments === undefined ? {} : { keepSegments: flags.keepSegments });
        results.push(r);
        if (!flags.json) ctx.out(humanResult(r));
      } catch (err) {
        // One container that cannot be compacted does not stop the others.
        failed = true;
        ctx.proc.stderr.write(errorLine(err));
      }
    }
  });
  if (flags.json) ctx.out(json(results));
  return failed ? 1 : 0;
}

// `id: snapshot at seq N, sealed <file>, pruned K segments`.
function humanResult(r: CompactResult): string {
  const sealed = r.sealed === null ? 'nothing new to seal' : `sealed ${r.sealed}`;
  const pruned = r.pruned.length > 0 ? `, pruned ${r.pruned.length} segment${r.pruned.length === 1 ? '' : 's'}` : '';
  return `${r.id}: snapshot at seq ${r.seq}, ${sealed}${pruned}`;
}
