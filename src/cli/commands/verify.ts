import { validateId } from '../../paths.js';
import { errorLine } from '../errors.js';
import { json } from '../format/state.js';
import { toListRow, withStore } from '../store.js';
import type { VerifyReport } from '../../options.js';
import type { Context } from '../context.js';

/** Flags of `verify`. */
export interface VerifyFlags {
  all?: boolean;
  json?: boolean;
}

// `verify [ids…] [--all]`: check each log; exit 0 when all are intact, 1 otherwise.
export async function verify(ctx: Context, ids: string[], flags: VerifyFlags): Promise<number> {
  for (const id of ids) validateId(id);
  let failed = false;
  const reports: VerifyReport[] = [];
  await withStore(ctx.globals, async (store) => {
    const targets = new Set(ids);
    if (flags.all) for (const entry of await store.list()) targets.add(toListRow(entry).id);
    for (const id of [...targets].sort()) {
      try {
        const report = await store.verify(id);
        reports.push(report);
        if (!report.ok) failed = true;
        if (!flags.json) ctx.out(humanReport(report));
      } catch (err) {
        // One container that cannot be verified does not stop the others.
        failed = true;
        ctx.proc.stderr.write(errorLine(err));
      }
    }
  });
  if (flags.json) ctx.out(json(reports));
  return failed ? 1 : 0;
}

// `id: ok (N events, head seq S)`, or a line per problem naming file and byte offset.
export function humanReport(report: VerifyReport): string {
  const summary = `${report.events} event${report.events === 1 ? '' : 's'}, head seq ${report.headSeq}`;
  const lines = [`${report.id}: ${report.ok ? 'ok' : 'FAILED'} (${summary})`];
  for (const p of report.problems) {
    const where = [p.file, p.offset !== undefined ? `offset ${p.offset}` : '', p.seq !== undefined ? `seq ${p.seq}` : '']
      .filter(Boolean).join(' ');
    lines.push(`  ${p.severity} ${p.code} at ${where}: ${p.message}`);
  }
  return lines.join('\n');
}
