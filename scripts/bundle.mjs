#!/usr/bin/env node
// Builds the k6 export: every entry point src/k6/entries/<name>.ts becomes dist/k6/<name>.js,
// a script for a user's own stock k6 (>= 1.0) or Grafana Cloud k6. k6 modules stay external;
// everything else (our core modules, papaparse) is inlined, so k6 fetches nothing at run time.
// The project never runs these scripts itself (docs/k6-export.md).
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ENTRY_DIR = 'src/k6/entries';
const OUT_DIR = 'dist/k6';

if (process.argv.includes('--help')) {
  console.log(`usage: node scripts/bundle.mjs\n  bundles ${ENTRY_DIR}/*.ts (k6 entry points) into ${OUT_DIR}/*.js with esbuild`);
  process.exit(0);
}

const entries = readdirSync(ENTRY_DIR)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => join(ENTRY_DIR, f));

await build({
  entryPoints: entries,
  outdir: OUT_DIR,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // k6 (>= 1.0, Sobek) runs ES2017+ and ES modules; older syntax keeps Grafana Cloud k6 safe too.
  target: 'es2017',
  external: ['k6', 'k6/*'],
  sourcemap: 'linked',
  // Every VU compiles its own copy of the bundle: drop whitespace and dead code to cut that
  // cost, keep names so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

for (const e of entries) {
  const out = join(OUT_DIR, e.split('/').pop().replace(/\.ts$/, '.js'));
  const code = readFileSync(out, 'utf8');
  // k6 would try to download remote modules at run time; users' machines may not reach them.
  const remote = code.match(/from\s+["']https?:\/\/[^"']+["']|import\(["']https?:/);
  if (remote) {
    console.error(`${out}: imports a remote module (${remote[0]}): vendor it under src/ instead`);
    process.exit(1);
  }
  // Only k6's own modules may stay as imports: a stock k6 has nothing else.
  const foreign = [...code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[\w$*{},\s]+?from\s*)?["']([^"']+)["']/g)].map((m) => m[1]).filter((m) => m !== 'k6' && !m.startsWith('k6/'));
  if (foreign.length) {
    console.error(`${out}: imports modules a stock k6 does not have: ${foreign.join(', ')}`);
    process.exit(1);
  }
  console.log(`${out}  ${(statSync(out).size / 1024).toFixed(1)} KiB`);
}
