#!/usr/bin/env node
import { run } from '../dist/cli/runstate.bundle.js'; process.exitCode = await run(process)
