import { validateId } from '../../paths.js';
import { withStore } from '../store.js';
import type { Context } from '../context.js';

// `annotate <id> key=value… key-…`: one `annotated` event that sets and removes keys, in any status.
export async function annotate(ctx: Context, id: string, changes: Record<string, string | null>): Promise<void> {
  validateId(id);
  await withStore(ctx.globals, (store) => store.annotate(id, changes));
}
