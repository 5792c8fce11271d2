// Bundle the CLI into one file (dist/cli/runstate.bundle.js) after tsc has built dist/.
// Every command is a fresh process, and Node's ES module loader costs ~1 ms per file: one file
// instead of ~50 keeps `runstate state <id>` close to bare `node` start-up. The native addon
// (fs-ext) and rxjs (loaded only by `events --follow`) stay external; the monitor, a long-lived
// process, runs from dist/cli/monitor/ unbundled.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/runstate.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['fs-ext', 'rxjs'],
  // Bundled CommonJS dependencies (commander) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __runstateRequire } from 'node:module'; const require = __runstateRequire(import.meta.url);" },
  logLevel: 'warning',
});
