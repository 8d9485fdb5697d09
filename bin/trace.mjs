#!/usr/bin/env node
// `npx trace <command> ...`: runs the TypeScript trace CLI (src/cli/trace/main.ts) through tsx.
import { register } from 'tsx/esm/api';

register();
const { runTraceCli } = await import('../src/cli/trace/main.ts');
process.exitCode = await runTraceCli(process.argv.slice(2));
