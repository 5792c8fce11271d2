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
// (EPIPE: exit 0, like `tail -f` under SIGPIPE).
async function follow(ctx: Context, store: Store, id: string, fromSeq: number | undefined, json: boolean): Promise<number> {
  const { proc } = ctx;
  const format = json ? undefined : await import('../format/table.js');
  // The next seq to print (undefined: the oldest kept, whichever it is).
  let next = fromSeq;
  let printed = false;
  const print = (e: StoredEvent): void => {
    if (next !== undefined && e.seq < next) return;
    if (format) {
      // The header waits for the first row: a failure must leave stdout empty.
      if (!printed) ctx.out(format.streamRow(null, COLUMNS));
      ctx.out(format.streamRow(e, COLUMNS));
    } else {
      ctx.out(eventLine(e));
    }
    printed = true;
    next = e.seq + 1;
  };
  let stop: number | Error | undefined;
  let interrupt: (() => void) | undefined;
  // Settled by the first stop: the loop below races it, so a stop always wakes it, whatever state
  // the segment being followed is in.
  let wake: () => void = () => {};
  const stopped = new Promise<false>((resolve) => { wake = () => resolve(false); });
  const stopWith = (value: number | Error) => (): void => {
    stop ??= value;
    interrupt?.();
    wake();
  };
  const onInt = stopWith(SIGNAL_EXIT.SIGINT);
  const onTerm = stopWith(SIGNAL_EXIT.SIGTERM);
  // Before the first line is printed: a signal sent by whoever saw it must find the listener,
  // not the default action (death by the signal instead of exit 130/143).
  proc.on?.('SIGINT', onInt);
  proc.on?.('SIGTERM', onTerm);
  // The listener stays after the follow ends: a late EPIPE must not become an uncaught error.
  proc.stdout.on?.('error', (err) => stopWith(err.code === 'EPIPE' ? 0 : err)());
  try {
    // The stored events come from history(), which reads sealed segments too: watch() reads
    // only the active segment, so after a compaction it would skip them.
    for (const e of await store.history(id, fromSeq !== undefined ? { fromSeq } : {})) print(e);
    while (stop === undefined) {
      const deleted = await Promise.race([followSegment(store, id, () => next, print, (f) => { interrupt = f; }), stopped]);
      if (deleted) return 0;
      // The stream ended without `deleted`: a compaction replaced the active segment. Every
      // record of the old one was read before it ended, so the new one continues at `next`.
    }
  } finally {
    // The segment being followed, if any, ends here (unsubscribed: its watcher and timer released).
    interrupt?.();
    proc.off?.('SIGINT', onInt);
    proc.off?.('SIGTERM', onTerm);
  }
  if (stop instanceof Error) throw stop;
  return stop!;
}

// Follow one active segment of the log: resolves true after `deleted`, false when the segment
// was replaced (or the follow interrupted). A gap before an event (events sealed by a compaction
// between two reads) is filled from history() first, so nothing is skipped.
function followSegment(
  store: Store,
  id: string,
  next: () => number | undefined,
  print: (e: StoredEvent) => void,
  onInterrupt: (interrupt: () => void) => void,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let ended = false;
    let deleted = false;
    let subscription: { unsubscribe(): void } | undefined;
    // Events are printed in a promise chain so that a gap can be fetched before what follows it.
    let chain = Promise.resolve();
    const end = (settle: () => void): void => {
      if (ended) return;
      ended = true;
      onInterrupt(() => {});
      subscription?.unsubscribe();
      settle();
    };
    const then = (step: () => Promise<void> | void): void => {
      chain = chain.then(() => (ended ? undefined : step())).catch((err: unknown) => end(() => reject(err)));
    };
    onInterrupt(() => end(() => resolve(false)));
    const from = next();
    subscription = store.watch(id, from !== undefined ? { fromSeq: from } : {}).subscribe({
      next: (e) => then(async () => {
        const want = next();
        if (want !== undefined && e.seq > want) for (const missed of await store.history(id, { fromSeq: want, toSeq: e.seq - 1 })) print(missed);
        print(e);
        if (e.type === 'deleted') deleted = true;
      }),
      error: (err: unknown) => then(() => end(() => reject(err))),
      complete: () => then(() => end(() => resolve(deleted))),
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
