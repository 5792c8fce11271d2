import { validateId } from '../../paths.js';
import { json } from '../format/state.js';
import { withStore } from '../store.js';
import type { DeletedContainer, PurgeOptions } from '../../index.js';
import type { Context } from '../context.js';

/** Flags of `purge`. */
export interface PurgeFlags {
  /** Only those deleted before this time (ms since the epoch). */
  before?: number;
  json?: boolean;
}

// `purge <id> [<ref>]` / `purge --all`: remove kept histories of deleted containers and say which, one
// line each. Nothing matched is not a failure (as `rm -f` and `docker image prune` have it): no
// output, exit 0; a ref that is not kept is ENOTFOUND.
export async function purge(ctx: Context, id: string | undefined, ref: string | undefined, flags: PurgeFlags): Promise<void> {
  if (id !== undefined) validateId(id);
  const options: PurgeOptions = flags.before === undefined ? {} : { before: flags.before };
  if (ref !== undefined) options.ref = ref;
  const removed = await withStore(ctx.globals, (store) => (id === undefined ? store.purgeAll(options) : store.purge(id, options)));
  if (flags.json) ctx.out(json(removed));
  else if (removed.length > 0) ctx.out(removed.map(humanLine).join('\n'));
}

// `web: purged <ref> (deleted <time>, 4 events)`; ids and refs hold no character to escape.
function humanLine(d: DeletedContainer): string {
  const what = d.error ? `unreadable: ${d.error.code}` : `deleted ${d.deleted ?? '-'}, ${d.seq} event${d.seq === 1 ? '' : 's'}`;
  return `${d.id}: purged ${d.ref} (${what})`;
}
