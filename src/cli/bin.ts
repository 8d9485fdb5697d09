#!/usr/bin/env node
// The `llm-replay` executable: the built bundle's entry (dist/app/llm-replay.js, package.json
// `bin`) and development mode's (bin/llm-replay-dev.mjs runs this file through tsx).
import { main } from './main';

process.exitCode = await main(process.argv.slice(2));
