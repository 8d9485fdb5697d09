#!/usr/bin/env node
// Writes the Grafana dashboards in dashboards/ from the TypeScript catalogue (npx tsx
// scripts/dashboards/main.ts), or with --check fails when the committed JSON is out of date.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { DASHBOARD_FILES, renderDashboard } from './build';
import type { Flavour } from './grafana';

const args = process.argv.slice(2);
if (args.includes('--help') || args.some((a) => a !== '--check')) {
  console.log('usage: npx tsx scripts/dashboards/main.ts [--check]\n  writes dashboards/*.json; --check: exit 1 if they differ from the generator');
  process.exit(args.includes('--help') ? 0 : 2);
}
const check = args.includes('--check');
let stale = 0;
for (const flavour of Object.keys(DASHBOARD_FILES) as Flavour[]) {
  const file = DASHBOARD_FILES[flavour];
  const json = renderDashboard(flavour);
  if (check) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== json) {
      console.error(`${file} is out of date: run npx tsx scripts/dashboards/main.ts`);
      stale++;
    }
  } else {
    writeFileSync(file, json);
    console.log(`${file}  ${(json.length / 1024).toFixed(1)} KiB`);
  }
}
process.exit(stale ? 1 : 0);
