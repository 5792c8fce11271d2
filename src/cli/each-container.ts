import { validateId } from '../paths.js';
import { errorLine } from './errors.js';
import { escapeControls } from './format/escape.js';
import { json } from './format/state.js';
import { withStore } from './store.js';
import type { Store } from '../index.js';
import type { Context } from './context.js';

/** What a multi-container command does with each container. */
export interface PerContainer<R> {
  /** The work on one container. */
  run(store: Store, id: string): Promise<R>;
  /** The human line(s) for one result. */
  human(result: R): string;
  /** Whether a result counts as a failure (exit 1). */
  failed?(result: R): boolean;
}

// Run a command over the ids given (and every container with --all), in id order. One container
// that fails does not stop the others; exit 1 if any failed. Results print as they come, or as one
// JSON array with --json.
export async function eachContainer<R>(ctx: Context, ids: string[], flags: { all?: boolean; json?: boolean }, work: PerContainer<R>): Promise<number> {
  for (const id of ids) validateId(id);
  let failed = false;
  const results: R[] = [];
  await withStore(ctx.globals, async (store) => {
    const targets = new Set(ids);
    if (flags.all) for (const entry of await store.list()) targets.add(entry.id);
    for (const id of [...targets].sort()) {
      try {
        const r = await work.run(store, id);
        results.push(r);
        if (work.failed?.(r)) failed = true;
        // Reports name files, whose paths may hold any character: each line is kept one terminal line.
        if (!flags.json) ctx.out(work.human(r).split('\n').map(escapeControls).join('\n'));
      } catch (err) {
        failed = true;
        ctx.proc.stderr.write(errorLine(err));
      }
    }
  });
  if (flags.json) ctx.out(json(results));
  return failed ? 1 : 0;
}
