// The processes a benchmark runs: the engine under /usr/bin/time (CPU seconds and peak RSS of
// the whole process, worker threads included), optionally pinned to cores with taskset, and a
// tcpdump capture of one loopback port.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/sim/spawn';

/** CPU ticks (user + system; USER_HZ, 100 a second on Linux) of a /proc/PID[/task/TID]/stat line. */
export function statCpuTicks(stat: string): number {
  // Fields after the command name, which may hold spaces and parentheses: utime and stime are 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

export interface EngineRun {
  code: number | null;
  output: string;
  /** user + sys CPU seconds of the engine process. */
  cpuS: number;
  wallS: number;
  peakRssMb: number;
  summary: EngineSummary;
}

/** The parts of the result JSON the benchmarks read. */
export interface EngineSummary {
  requests: { planned: number; sent: number; completed: number; succeeded: number; failed: number; notSent: number | null; droppedIterations: number };
  latencyMs: { dispatchLag: { p50: number; p99: number; max: number } | null };
  run?: { delayedByConcurrency?: number };
}

/** The engine the benchmarks run: the bundle users install (make build), or the sources through tsx (setEngine('dev')). */
let engineEntry = 'dist/app/llm-replay.js';
export function setEngine(kind: 'bundle' | 'dev'): void {
  engineEntry = kind === 'dev' ? 'bin/llm-replay-dev.mjs' : 'dist/app/llm-replay.js';
}

/** `llm-replay replay ARGS` under /usr/bin/time; `cpus` pins it (taskset -c); `onOutput` sees its output as it comes. */
export function runEngine(dir: string, name: string, args: string[], cpus?: string, onOutput?: (text: string) => void): Promise<EngineRun> {
  const timeFile = join(dir, `${name}.time`);
  const summaryFile = join(dir, `${name}.summary.json`);
  const engine = [process.execPath, join(REPO_ROOT, engineEntry), 'replay', ...args, '--summary-json', summaryFile, '--run-id', name, '--no-scrape', '--quiet'];
  const timed = ['/usr/bin/time', '-f', '%e %U %S %M', '-o', timeFile, ...engine];
  const argv = cpus ? ['taskset', '-c', cpus, ...timed] : timed;
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => {
      output += d;
      onOutput?.(String(d));
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      try {
        const [wall, user, sys, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as EngineSummary;
        resolve({ code, output, cpuS: user + sys, wallS: wall, peakRssMb: rssKb / 1024, summary });
      } catch (e) {
        reject(new Error(`engine run ${name} gave no figures (exit ${code}): ${(e as Error).message}\n${output.slice(-2000)}`));
      }
    });
  });
}

/** Installs tcpdump from Debian when it is missing (needs root, as the capture does). */
export function ensureTcpdump(): void {
  if (spawnSync('sh', ['-c', 'command -v tcpdump']).status === 0) return;
  console.log('installing tcpdump (apt-get) ...');
  const r = spawnSync('sh', ['-c', 'apt-get install -y tcpdump || (apt-get update && apt-get install -y tcpdump)'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tcpdump is missing and apt-get could not install it (run as root)');
}

export interface Capture {
  /** Stops the capture (SIGINT flushes the file) and returns its path. */
  stop(): Promise<string>;
}

/** tcpdump pinned to `core` when given (kept off the engine's core: it copies every packet). */
function captureCommand(args: string[], core?: number): [string, string[]] {
  return core === undefined ? [args[0], args.slice(1)] : ['taskset', ['-c', String(core), ...args]];
}

/** Captures TCP on `port` over lo into a pcap file (tcpdump on `core` when given); resolves once tcpdump listens. */
export function startCapture(dir: string, port: number, snapLen = 4096, core?: number): Promise<Capture> {
  const file = join(dir, `port-${port}.pcap`);
  writeFileSync(file, '');
  const p: ChildProcess = spawn(...captureCommand(['tcpdump', '-i', 'lo', '-n', '-s', String(snapLen), '-B', '65536', '-w', file, `tcp port ${port}`], core), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    p.stderr!.on('data', (d) => {
      err += d;
      if (/listening on/.test(err)) {
        clearTimeout(timer);
        resolve({ stop: async () => { p.kill('SIGINT'); await exited; return file; } });
      }
    });
    p.on('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${err}`)));
  });
}
