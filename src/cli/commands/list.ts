import { json, ociState } from '../format/state.js';
import { observed } from '../liveness.js';
import { toListRow, withStore } from '../store.js';
import type { Context } from '../context.js';
import type { ListRow } from '../store.js';

/** Flags of `list`. */
export interface ListFlags {
  format?: 'table' | 'json';
  quiet?: boolean;
}

// `list`: every container; a damaged one is shown with its error, never aborting the list.
export async function list(ctx: Context, flags: ListFlags): Promise<void> {
  const entries = await withStore(ctx.globals, (store) => store.list());
  const rows = entries.map(toListRow)
    .map((row) => (row.state ? { ...row, state: observed(row.state) } : row))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (flags.quiet) {
    if (rows.length > 0) ctx.out(rows.map((row) => row.id).join('\n'));
  } else if (flags.format === 'json') {
    ctx.out(json(rows.map((row) => (row.state ? ociState(row.state) : { id: row.id, status: 'unknown', error: row.error }))));
  } else {
    const { table } = await import('../format/table.js');
    const columns = [
      { title: 'ID', cell: (r: ListRow) => r.id },
      { title: 'PID', cell: (r: ListRow) => (r.state ? String(r.state.pid) : '-') },
      { title: 'STATUS', cell: (r: ListRow) => r.state?.status ?? 'unknown' },
      { title: 'BUNDLE', cell: (r: ListRow) => r.state?.bundle || '-' },
      { title: 'CREATED', cell: (r: ListRow) => r.state?.created ?? '-' },
    ];
    if (rows.some((row) => row.error)) {
      columns.push({ title: 'ERROR', cell: (r: ListRow) => (r.error ? `${r.error.code}: ${r.error.message}` : '') });
    }
    ctx.out(table(rows, columns));
  }
}
