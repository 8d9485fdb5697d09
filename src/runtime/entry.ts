// Lets a CLI module be both imported (by the one `llm-replay` CLI) and run directly with
// `node --import tsx path/to/main.ts`: it runs itself only when it is the process's main module.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** True when the module with this `import.meta.url` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && realPath(script) === realPath(fileURLToPath(moduleUrl));
}

/**
 * Runs `cli(process.argv.slice(2))` when the module is the main one. `exit` ends the process
 * with the code (for servers whose handles would keep it alive); otherwise it only sets
 * process.exitCode so pending output is flushed.
 */
export function runIfMain(moduleUrl: string, name: string, cli: (argv: string[]) => Promise<number>, exit = false): void {
  if (!isMainModule(moduleUrl)) return;
  cli(process.argv.slice(2)).then(
    (code) => {
      if (exit) process.exit(code);
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${name}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      if (exit) process.exit(70);
      process.exitCode = 70;
    },
  );
}
