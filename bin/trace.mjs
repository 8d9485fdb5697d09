#!/usr/bin/env node
// `npx trace <command> ...`: runs the TypeScript CLI (scripts/trace/main.ts) through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/trace/main.ts');
