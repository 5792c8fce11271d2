import { eachContainer } from '../each-container.js';
import type { VerifyReport } from '../../options.js';
import type { Context } from '../context.js';

/** Flags of `verify`. */
export interface VerifyFlags {
  all?: boolean;
  json?: boolean;
}

// `verify [ids…] [--all]`: check each log; exit 0 when all are intact (warnings allowed), 1 otherwise.
export function verify(ctx: Context, ids: string[], flags: VerifyFlags): Promise<number> {
  return eachContainer(ctx, ids, flags, { run: (store, id) => store.verify(id), human: humanReport, failed: (r) => !r.ok });
}

// `id: ok (N events, head seq S)`, then a line per problem, naming its severity, file and byte
// offset. Warnings (a torn tail awaiting truncation, a stale meta.json, pruned history) are
// shown but leave the report ok.
export function humanReport(report: VerifyReport): string {
  const errors = report.problems.filter((p) => p.severity === 'error').length;
  const warnings = report.problems.length - errors;
  const counts = [plural(errors, 'error'), plural(warnings, 'warning')].filter(Boolean).join(', ');
  const summary = `${plural(report.events, 'event') || '0 events'}, head seq ${report.headSeq}${counts ? `; ${counts}` : ''}`;
  const lines = [`${report.id}: ${report.ok ? 'ok' : 'FAILED'} (${summary})`];
  for (const p of report.problems) {
    const where = [p.file, p.offset !== undefined ? `offset ${p.offset}` : '', p.seq !== undefined ? `seq ${p.seq}` : '']
      .filter(Boolean).join(' ');
    lines.push(`  ${p.severity} ${p.code} at ${where}: ${p.message}`);
  }
  return lines.join('\n');
}

// `1 warning`, `2 warnings`, or '' for none.
function plural(n: number, word: string): string {
  return n === 0 ? '' : `${n} ${word}${n === 1 ? '' : 's'}`;
}
