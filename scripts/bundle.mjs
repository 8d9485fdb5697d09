#!/usr/bin/env node
// Bundles every k6 entry point src/scenarios/<name>.ts (not *-core.ts) into dist/<name>.js:
// k6 modules stay external, everything else (our code, papaparse, vendored jslib code) is
// inlined so nothing is fetched over the network at run time.
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

if (process.argv.includes('--help')) {
  console.log('usage: node scripts/bundle.mjs\n  bundles src/scenarios/*.ts (k6 entry points) into dist/*.js with esbuild');
  process.exit(0);
}

const dir = 'src/scenarios';
const entries = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('-core.ts') && !f.endsWith('.d.ts'))
  .map((f) => join(dir, f));

await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'browser',
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
  const out = join('dist', e.split('/').pop().replace(/\.ts$/, '.js'));
  const code = readFileSync(out, 'utf8');
  // k6 would try to download remote modules at run time; this project's machines cannot.
  const remote = code.match(/from\s+["']https?:\/\/[^"']+["']|import\(["']https?:/);
  if (remote) {
    console.error(`${out}: imports a remote module (${remote[0]}): vendor it under src/ instead`);
    process.exit(1);
  }
  console.log(`${out}  ${(statSync(out).size / 1024).toFixed(1)} KiB`);
}
