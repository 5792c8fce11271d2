import { validateId } from '../../paths.js';
import { json, ociState } from '../format/state.js';
import { withStore } from '../store.js';
import type { ReplayOptions } from '../../options.js';
import type { Context } from '../context.js';

// `replay <id> --at-seq N | --at-time ISO`: the state at that point of history.
export async function replay(ctx: Context, id: string, point: ReplayOptions): Promise<void> {
  validateId(id);
  const then = await withStore(ctx.globals, (store) => store.replay(id, point));
  ctx.out(json(ociState(then)));
}
