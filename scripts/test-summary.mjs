#!/usr/bin/env node
// Prints one closing line "tests: N passed, N failed, N skipped" over vitest JSON reports,
// so a reader (or CI) sees the totals of every test project at a glance.
import { readFileSync } from 'node:fs';

if (process.argv.includes('--help') || process.argv.length < 3) {
  console.log('usage: node scripts/test-summary.mjs REPORT.json...   (vitest --reporter=json output files)');
  process.exit(process.argv.includes('--help') ? 0 : 2);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
