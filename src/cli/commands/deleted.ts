import { json } from '../format/state.js';
import { withStore } from '../store.js';
import type { DeletedContainer } from '../../index.js';
import type { Context } from '../context.js';

/** Flags of `deleted`. */
export interface DeletedFlags {
  format?: 'table' | 'json';
}

// `deleted <id>`: the deleted containers of an id whose history is kept, oldest first; one whose
// files cannot be read is shown with its error.
export async function deleted(ctx: Context, id: string, flags: DeletedFlags): Promise<void> {
  const kept = await withStore(ctx.globals, (store) => store.deleted(id));
  if (flags.format === 'json') {
    ctx.out(json(kept));
    return;
  }
  const { table } = await import('../format/table.js');
  const columns = [
    { title: 'REF', cell: (d: DeletedContainer) => d.ref },
    { title: 'CREATED', cell: (d: DeletedContainer) => d.created ?? '-' },
    { title: 'DELETED', cell: (d: DeletedContainer) => d.deleted ?? '-' },
    { title: 'EVENTS', cell: (d: DeletedContainer) => (d.error ? '-' : String(d.seq)) },
  ];
  if (kept.some((d) => d.error)) columns.push({ title: 'ERROR', cell: (d) => (d.error ? `${d.error.code}: ${d.error.message}` : '') });
  if (kept.length > 0) ctx.out(table(kept, columns));
}
