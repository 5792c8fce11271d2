// Shared driver of the write scenarios (hot, spread): every chosen backend × durability × K.
import { BACKENDS } from '../backends/index.js';
import { contend } from '../lib/contend.js';

// Run the contention rows of one scenario; `keyOf(w)` maps worker → container
export async function runWrites(ctx, scenario, keyOf) {
  const rows = [];
  for (const durability of ctx.durability) {
    for (const name of ctx.backends) {
      const b = BACKENDS[name];
      if (!b.scenarios.includes(scenario) || !b.durabilities.includes(durability)) continue;
      for (const procs of ctx.procs) {
        const ops = ctx.opsFor(durability);
        ctx.progress(`${scenario} ${durability} ${name} K=${procs} M=${ops}`);
        try {
          const r = await contend(ctx, { scenario, backend: name, procs, durability, keyOf, ops, deadlineMs: ctx.rowMs });
          ctx.validations.push({ scenario, durability, procs, ...r.validation });
          rows.push(r.row);
          ctx.progress(`  ${Math.round(r.row.opsPerSec)} ops/s, p99 ${r.row.p99Ms.toFixed(2)} ms${r.row.valid ? '' : '  INVALID: ' + r.validation.problems.join('; ')}`);
        } catch (err) {
          ctx.progress(`  FAILED: ${err.message.split('\n')[0]}`);
          ctx.failures.push({ scenario, durability, backend: name, procs, error: err.message.split('\n')[0] });
        }
      }
    }
  }
  return rows;
}
