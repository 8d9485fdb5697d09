#!/usr/bin/env node
// `npx llm-replay ...`: the CLI (src/cli/main.ts), run through tsx's loader so the TypeScript
// sources are the program (worker threads load the same way).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
