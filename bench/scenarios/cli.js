// cli: K shells running the real bin at once (ops/s including process start), and the cost
// of one cold `runstate state <id>` against `node -e 0` (median of N alternating runs).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hrtime } from 'node:process';
import { BIN } from '../backends/runstate-cli.js';
import { contend } from '../lib/contend.js';
import { median } from '../lib/stats.js';
import { loadBackend } from '../backends/index.js';

export const name = 'cli';
export const about = 'K concurrent CLI processes on one container; cold start vs node -e 0';

function timeSpawn(args) {
  const t0 = hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = Number(hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return ms;
}

// Cold-start ratio plus one contention row per K
export async function run(ctx) {
  if (!existsSync(BIN)) {
    ctx.notes.push(`cli: skipped, ${BIN} does not exist yet`);
    ctx.progress('cli: skipped (bin/runstate.js missing)');
    return [];
  }
  const rows = [];
  // Cold start: alternate the two commands so drift (page cache, CPU boost) hits both alike.
  const dir = await ctx.freshDir('cli-cold');
  await (await loadBackend('runstate-cli')).setup({ dir, keys: ['cold'], durability: 'fsync' });
  const n = ctx.quick ? 5 : 15;
  ctx.progress(`cli cold start: ${n} × (node -e 0, runstate state)`);
  const base = [], cli = [];
  timeSpawn(['-e', '0']); timeSpawn([BIN, '--root', dir, 'state', 'cold']); // page cache warm-up
  for (let i = 0; i < n; i++) {
    base.push(timeSpawn(['-e', '0']));
    cli.push(timeSpawn([BIN, '--root', dir, 'state', 'cold']));
  }
  await ctx.cleanDir(dir);
  ctx.cold = { runs: n, nodeMs: median(base), stateMs: median(cli), ratio: median(cli) / median(base) };
  ctx.progress(`  node -e 0 ${ctx.cold.nodeMs.toFixed(1)} ms, runstate state ${ctx.cold.stateMs.toFixed(1)} ms (${ctx.cold.ratio.toFixed(2)}×)`);
  for (const procs of ctx.procs) {
    const ops = ctx.quick ? 4 : 20;
    ctx.progress(`cli fsync runstate-cli K=${procs} M=${ops}`);
    try {
      const r = await contend(ctx, {
        scenario: 'cli', backend: 'runstate-cli', procs, durability: 'fsync', keyOf: () => 'cli', ops, deadlineMs: ctx.rowMs,
      });
      ctx.validations.push({ scenario: 'cli', durability: 'fsync', procs, ...r.validation });
      rows.push(r.row);
      ctx.progress(`  ${r.row.opsPerSec.toFixed(1)} invocations/s, p50 ${r.row.p50Ms.toFixed(1)} ms`);
    } catch (err) {
      ctx.progress(`  FAILED: ${err.message.split('\n')[0]}`);
      ctx.failures.push({ scenario: 'cli', durability: 'fsync', backend: 'runstate-cli', procs, error: err.message.split('\n')[0] });
    }
  }
  return rows;
}
