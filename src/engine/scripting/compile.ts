// Compiling a user's scenario file: esbuild bundles it (its own imports included) into one ES
// module in a temp folder. The API import ('k6-llm-replay') stays an import of the running
// program's own API entry (dist/app/api.js in the bundle, whose chunks the CLI shares;
// src/engine/api.ts from the sources), so the scenario shares the engine's modules, never a copy.
// esbuild strips types without checking them: `tsc --noEmit` checks them (docs/scripting.md).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { entryFile } from '../../runtime/paths';

/** The package name scenarios import the API by. */
export const API_MODULE = 'k6-llm-replay';

/** The API module of the running program. */
export const API_FILE = entryFile('api');

export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompileError';
  }
}

export interface CompiledScenario {
  /** file: URL of the bundled module, to import(). */
  url: string;
  /** Removes the temp folder. */
  dispose(): void;
}

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number; lineText: string } | null;
}

/** "file:line:col: text" lines with the offending source line, as compilers print them. */
export function formatBuildErrors(errors: readonly EsbuildMessage[], cwd = process.cwd()): string {
  return errors.slice(0, 10).map((e) => {
    const l = e.location;
    if (!l) return `error: ${e.text}`;
    // esbuild names files relative to the working directory: outside it, the absolute path reads better.
    const abs = resolve(cwd, l.file);
    const rel = relative(cwd, abs);
    const file = rel && !rel.startsWith('..') ? rel : abs;
    return `${file}:${l.line}:${l.column + 1}: error: ${e.text}\n    ${l.lineText}\n    ${' '.repeat(l.column)}^`;
  }).join('\n') + (errors.length > 10 ? `\n... and ${errors.length - 10} more error(s)` : '');
}

/** Bundles `file` into a temp ES module; a syntax or import error becomes a CompileError naming file:line. */
export async function compileScenario(file: string): Promise<CompiledScenario> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'llm-replay-run-'));
  const outfile = join(dir, 'scenario.mjs');
  const apiUrl = pathToFileURL(API_FILE).href;
  try {
    await build({
      entryPoints: [file], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
      sourcemap: 'inline', logLevel: 'silent', write: true,
      // Node packages the scenario imports resolve from its own folder; packages stay bundled
      // except the API, which must be the engine's own module.
      plugins: [{
        name: 'k6-llm-replay-api',
        setup(b) {
          b.onResolve({ filter: /^k6-llm-replay$/ }, () => ({ path: apiUrl, external: true }));
        },
      }],
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const errors = (e as { errors?: EsbuildMessage[] }).errors;
    if (errors?.length) throw new CompileError(`${file}: cannot compile the scenario:\n${formatBuildErrors(errors)}`);
    throw e;
  }
  return { url: pathToFileURL(outfile).href, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
