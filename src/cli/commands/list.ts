import { escapeControls } from '../format/escape.js';
import { json, ociState } from '../format/state.js';
import { observed } from '../liveness.js';
import { isBroken, withStore } from '../store.js';
import type { ListEntry } from '../../index.js';
import type { Context } from '../context.js';

/** Flags of `list`. */
export interface ListFlags {
  format?: 'table' | 'json';
  quiet?: boolean;
}

// `list`: every container; a damaged one is shown with its error, never aborting the list.
export async function list(ctx: Context, flags: ListFlags): Promise<void> {
  const entries = (await withStore(ctx.globals, (store) => store.list()))
    .map((entry) => (isBroken(entry) ? entry : observed(entry)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (flags.quiet) {
    // A valid id holds no control character, but the name of a stray entry in the root may.
    if (entries.length > 0) ctx.out(entries.map((entry) => escapeControls(entry.id)).join('\n'));
  } else if (flags.format === 'json') {
    ctx.out(json(entries.map((entry) => (isBroken(entry) ? { id: entry.id, status: entry.status, error: entry.error } : ociState(entry)))));
  } else {
    const { table } = await import('../format/table.js');
    const columns = [
      { title: 'ID', cell: (e: ListEntry) => e.id },
      { title: 'PID', cell: (e: ListEntry) => (isBroken(e) ? '-' : String(e.pid)) },
      { title: 'STATUS', cell: (e: ListEntry) => e.status },
      { title: 'BUNDLE', cell: (e: ListEntry) => (isBroken(e) ? '-' : e.bundle || '-') },
      { title: 'CREATED', cell: (e: ListEntry) => (isBroken(e) ? '-' : e.created) },
    ];
    if (entries.some(isBroken)) {
      columns.push({ title: 'ERROR', cell: (e: ListEntry) => (isBroken(e) ? `${e.error.code}: ${e.error.message}` : '') });
    }
    ctx.out(table(entries, columns));
  }
}
