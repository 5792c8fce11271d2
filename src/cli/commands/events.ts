import { validateId } from '../../paths.js';
import { eventLine } from '../format/state.js';
import { withStore } from '../store.js';
import type { StoredEvent } from '../../options.js';
import type { Context } from '../context.js';
import type { CliStore } from '../store.js';

/** Flags of `events`. */
export interface EventsFlags {
  since?: number;
  format?: 'table' | 'json';
  follow?: boolean;
}

// `events <id>`: the history (after `--since`), as a table or NDJSON; `--follow` keeps streaming.
export async function events(ctx: Context, id: string, flags: EventsFlags): Promise<void> {
  validateId(id);
  const fromSeq = (flags.since ?? 0) + 1;
  const json = flags.format === 'json';
  await withStore(ctx.globals, async (store) => {
    if (flags.follow) return follow(ctx, store, id, fromSeq, json);
    const history = await store.history(id, { fromSeq });
    if (json) {
      if (history.length > 0) ctx.out(history.map(eventLine).join('\n'));
      return;
    }
    const { table } = await import('../format/table.js');
    ctx.out(table(history, [
      { title: 'SEQ', cell: (e) => String(e.seq) },
      { title: 'TIME', cell: (e) => e.at },
      { title: 'TYPE', cell: (e) => e.type },
      { title: 'ACTOR', cell: (e) => `pid ${e.actor.pid} uid ${e.actor.uid}` },
      { title: 'DATA', cell: (e) => describe(e.data) },
    ]));
  });
}

// Stored events, then live ones, until the container is deleted.
function follow(ctx: Context, store: CliStore, id: string, fromSeq: number, json: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    store.watch(id, { fromSeq }).subscribe({
      next: (e: StoredEvent) => ctx.out(json ? eventLine(e) : `${e.seq}  ${e.at}  ${e.type}  ${describe(e.data)}`.trimEnd()),
      error: reject,
      complete: resolve,
    });
  });
}

// Event data on one line: key=value, strings bare, anything else as JSON.
export function describe(data: object): string {
  return Object.entries(data)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
