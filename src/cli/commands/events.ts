import { validateId } from '../../paths.js';
import { eventLine } from '../format/state.js';
import { withStore } from '../store.js';
import type { Store, StoredEvent } from '../../index.js';
import type { Context } from '../context.js';
import type { Column } from '../format/table.js';

/** Flags of `events`. */
export interface EventsFlags {
  since?: number;
  format?: 'table' | 'json';
  follow?: boolean;
  /** A deleted container of this id: its ref, or `latest`. */
  deleted?: string | undefined;
}

/** Exit status of `events --follow` stopped by a signal: 128 + its number, as shells report it. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

// The table's columns; the widths serve `--follow`, which prints rows before seeing them all.
const COLUMNS: Column<StoredEvent>[] = [
  { title: 'SEQ', cell: (e) => String(e.seq), width: 5 },
  { title: 'TIME', cell: (e) => e.at, width: 24 },
  { title: 'TYPE', cell: (e) => e.type, width: 9 },
  { title: 'ACTOR', cell: (e) => `pid ${e.actor.pid} uid ${e.actor.uid}`, width: 17 },
  { title: 'DATA', cell: (e) => describe(e.data) },
];

// `events <id>`: the history (after `--since`), as a table or NDJSON; `--follow` keeps streaming.
// Resolves to the exit status: 0, or 130/143 when `--follow` is stopped by SIGINT/SIGTERM.
export async function events(ctx: Context, id: string, flags: EventsFlags): Promise<number> {
  validateId(id);
  // Without --since, from the oldest event kept: retention may have pruned the first ones.
  const fromSeq = flags.since !== undefined ? flags.since + 1 : undefined;
  const json = flags.format === 'json';
  return withStore(ctx.globals, async (store) => {
    if (flags.follow) return follow(ctx, store, id, fromSeq, json);
    const history = await store.history(id, { ...(fromSeq !== undefined ? { fromSeq } : {}), ...(flags.deleted !== undefined ? { deleted: flags.deleted } : {}) });
    if (json) {
      if (history.length > 0) ctx.out(history.map(eventLine).join('\n'));
      return 0;
    }
    const { table } = await import('../format/table.js');
    ctx.out(table(history, COLUMNS));
    return 0;
  });
}

// Stored events, then live ones as any process appends them, each once and in order, until the
// container is deleted (exit 0), a signal arrives (130/143: the stream is unsubscribed first, so the
// watcher and its timer are gone and the process can end), or whoever reads stdout goes away
// (EPIPE: exit 0, like `tail -f` under SIGPIPE). One watch does it all: it reads the stored events
// of sealed segments too, and holds the log open from the start, so a delete or a compaction right
// after the first lines cannot come between the stored events and the live ones.
async function follow(ctx: Context, store: Store, id: string, fromSeq: number | undefined, json: boolean): Promise<number> {
  const { proc } = ctx;
  const format = json ? undefined : await import('../format/table.js');
  let printed = false;
  const print = (e: StoredEvent): void => {
    if (format) {
      // The header waits for the first row: a failure must leave stdout empty.
      if (!printed) ctx.out(format.streamRow(null, COLUMNS));
      ctx.out(format.streamRow(e, COLUMNS));
    } else {
      ctx.out(eventLine(e));
    }
    printed = true;
  };
  return new Promise<number>((resolve, reject) => {
    let subscription: { unsubscribe(): void } | undefined;
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      subscription?.unsubscribe();
      proc.off?.('SIGINT', onInt);
      proc.off?.('SIGTERM', onTerm);
      settle();
    };
    const onInt = (): void => finish(() => resolve(SIGNAL_EXIT.SIGINT));
    const onTerm = (): void => finish(() => resolve(SIGNAL_EXIT.SIGTERM));
    // Before the first line is printed: a signal sent by whoever saw it must find the listener,
    // not the default action (death by the signal instead of exit 130/143).
    proc.on?.('SIGINT', onInt);
    proc.on?.('SIGTERM', onTerm);
    // The listener stays after the follow ends: a late EPIPE must not become an uncaught error.
    proc.stdout.on?.('error', (err) => finish(() => (err.code === 'EPIPE' ? resolve(0) : reject(err))));
    try {
      subscription = store.watch(id, fromSeq !== undefined ? { fromSeq } : {}).subscribe({
        next: print,
        error: (err: unknown) => finish(() => reject(err)),
        // After `deleted`: the container is gone, its history printed to the end.
        complete: () => finish(() => resolve(0)),
      });
    } catch (err) {
      finish(() => reject(err));
    }
    // Ended while subscribing (a stored `deleted`, an error, a write to stdout that failed).
    if (settled) subscription?.unsubscribe();
  });
}

// Event data on one line: key=value, strings bare, anything else as JSON.
export function describe(data: object): string {
  return Object.entries(data)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
