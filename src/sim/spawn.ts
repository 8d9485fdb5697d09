// Starts the simulator as a child process (for tests, benchmarks and other tools) and stops it.
// Runs `node dist/app/llm-replay.js sim` from the bundle, `node --import tsx src/sim/main.ts`
// from the sources: one process either way, so SIGTERM reaches the server itself (no npx/tsx
// wrapper to relay it). Loopback only unless args say otherwise.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BUNDLED, cliArgv } from '../runtime/paths';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SIM_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface SimProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  log(): string;
  /** SIGTERM (graceful: ground truth flushed), SIGKILL after `timeoutMs`; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Spawns the simulator on a free loopback port (adds `--port 0` unless args set a port). */
export function spawnSim(args: string[], startTimeoutMs = 30_000, nodeArgs: string[] = []): Promise<SimProcess> {
  const full = args.includes('--port') ? args : ['--port', '0', ...args];
  const proc = spawn(process.execPath, [...nodeArgs, ...(BUNDLED ? [...cliArgv(), 'sim'] : ['--import', 'tsx', SIM_MAIN]), ...full], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8');
  proc.stderr!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => (out += d));
  proc.stderr!.on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`simulator did not start within ${startTimeoutMs} ms:\n${out}`));
    }, startTimeoutMs);
    const onData = (): void => {
      const m = /sim listening on (http:\/\/\S+:(\d+))/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      resolve({
        url: m[1],
        port: Number(m[2]),
        proc,
        log: () => out,
        stop: (timeoutMs = 10_000) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return exited;
          const kill = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
          proc.kill('SIGTERM');
          return exited.finally(() => clearTimeout(kill));
        },
      });
    };
    proc.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code} before listening:\n${out}`));
    });
  });
}
