#!/usr/bin/env node
// Development mode: `llm-replay` from the TypeScript sources through tsx's loader, no build
// needed (worker threads load the same way, src/runtime/worker-boot.mjs). What users install
// is the bundle, dist/app/llm-replay.js (`make build`).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/bin.ts');
