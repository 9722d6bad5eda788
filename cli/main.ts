#!/usr/bin/env node
/** Entry point: bin/patchbay.js imports this module. The program itself is in program.ts. */
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2));
