// Where the program's own files are, whether it runs as the built bundle (dist/app/*.js, what
// `npm install` and the image ship) or from its TypeScript sources through tsx (development
// mode, the tests). The bundle sits two folders below the package root as every src/<folder>/
// module does, so a path relative to a module's import.meta.url reads the same file in both;
// what depends on the mode (entry files, how a worker or a child CLI starts) is decided here.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE_DIR, ENTRIES, type EntryName } from './entries';

/** True when this code runs from the bundle (a .js file), false from the .ts sources. */
export const BUNDLED = !import.meta.url.endsWith('.ts');

/** The package root: the folder holding package.json, data/, dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** An entry point's file: dist/app/<name>.js in the bundle, its source otherwise. */
export function entryFile(name: EntryName): string {
  return BUNDLED ? join(PACKAGE_ROOT, BUNDLE_DIR, `${name}.js`) : join(PACKAGE_ROOT, 'src', ENTRIES[name]);
}

/** Development mode's worker start: Node 20 keeps --import tsx out of workers, so this file registers it first. */
const WORKER_BOOT = join(PACKAGE_ROOT, 'src/runtime/worker-boot.mjs');

/** `new Worker(...)` arguments for a worker entry: the bundle directly, a source through the tsx boot file. */
export function workerStart(name: EntryName, workerData: object): { file: URL; workerData: object } {
  if (BUNDLED) return { file: pathToFileURL(entryFile(name)), workerData };
  return { file: pathToFileURL(WORKER_BOOT), workerData: { ...workerData, entry: pathToFileURL(entryFile(name)).href } };
}

/** The argv that starts the `llm-replay` CLI in a child process (after process.execPath). */
export function cliArgv(): string[] {
  return BUNDLED ? [entryFile('llm-replay')] : ['--import', 'tsx', entryFile('llm-replay')];
}

/**
 * A file the build places under dist/ (the native I/O addon, dist/native/k6lr_io.node), found
 * relative to the package root in both modes; undefined when it was not built.
 */
export function builtFile(relative: string): string | undefined {
  const path = join(PACKAGE_ROOT, 'dist', relative);
  return existsSync(path) ? path : undefined;
}
