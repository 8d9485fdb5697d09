// Runs the engine CLI (bin/llm-replay.mjs) in a child process with a time limit, as users run it.
// Stand-in until test/integration/support/processes.ts offers runCli with the same signature.

import { spawn } from 'node:child_process';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/llm-replay.mjs ...args` with extra environment; killed after `limitMs`. */
export function runCli(args: string[], env: Record<string, string> = {}, limitMs = 240_000): Promise<CliRun> {
  return new Promise((resolve) => {
    // node itself (not npx) so a kill reaches the CLI, not a launcher that would orphan it.
    const proc = spawn(process.execPath, ['bin/llm-replay.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
