import { validateId } from '../../paths.js';
import { json, ociState } from '../format/state.js';
import { observed } from '../liveness.js';
import { withStore } from '../store.js';
import type { Context } from '../context.js';

// `state <id>`: the OCI state JSON; a dead process shows as stopped (nothing is written).
export async function state(ctx: Context, id: string): Promise<void> {
  validateId(id);
  const current = await withStore(ctx.globals, (store) => store.state(id));
  ctx.out(json(ociState(observed(current))));
}
