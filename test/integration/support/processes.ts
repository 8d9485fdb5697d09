// Starting the real simulator and the real engine CLI (bin/llm-replay-dev.mjs) for integration
// tests: loopback only, every process bounded in time and stopped by the test.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestRecord } from '../../../src/outputs/jsonl';

import { RequestIds } from '../../../src/engine/request-ids';

export const CLI = 'bin/llm-replay-dev.mjs';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `k6lr-${prefix}-`));
}

export interface RunningSim {
  url: string;
  port: number;
  groundTruth: string;
  proc: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/** Starts the simulator (src/sim) on a free loopback port and waits until it listens. */
export async function startSim(args: string[], dir = tempDir('sim')): Promise<RunningSim> {
  const groundTruth = join(dir, 'ground-truth.jsonl');
  // node itself (not npx) so SIGTERM reaches the server, not a launcher that would orphan it.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/sim/main.ts', '--port', '0', '--ground-truth', groundTruth, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => reject(new Error(`simulator exited with ${code}:\n${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    groundTruth,
    proc,
    log: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.on('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  proc: ChildProcess;
  /** Output so far. */
  output: () => { stdout: string; stderr: string };
  done: Promise<CliRun>;
}

/** Starts `llm-replay ARGS` (node itself, so signals reach it) with a time limit. */
export function startCli(args: string[], env: Record<string, string> = {}, limitMs = 240_000): CliProcess {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
  const done = new Promise<CliRun>((resolve) => {
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { proc, output: () => ({ stdout, stderr }), done };
}

/** Runs `llm-replay ARGS` to its end (killed after `limitMs`); resolves with its exit code and output. */
export function runCli(args: string[], env: Record<string, string> = {}, limitMs = 240_000): Promise<CliRun> {
  return startCli(args, env, limitMs).done;
}

/** The per-request records of `--out jsonl=FILE`. */
export function readRecords(path: string): RequestRecord[] {
  return readJsonl<RequestRecord>(path);
}

/** The request index of an id `RUN-INDEX`. */
export function indexOf(id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1));
}

export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

export interface K6Point {
  metric: string;
  value: number;
  time: string;
  tags: Record<string, string>;
  requestId?: string;
}

/** Samples from a user's own `k6 run --out json=FILE` (the optional K6_BIN test of the k6 export), with the request id from sample metadata. */
export function readK6Points(path: string, metrics: string[]): K6Point[] {
  const wanted = new Set(metrics);
  const points: K6Point[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.includes('"Point"')) continue;
    const o = JSON.parse(line) as { type: string; metric: string; data: { value: number; time: string; tags: Record<string, string>; metadata?: Record<string, string> } };
    if (o.type !== 'Point' || !wanted.has(o.metric)) continue;
    points.push({ metric: o.metric, value: o.data.value, time: o.data.time, tags: o.data.tags ?? {}, requestId: o.data.metadata?.request_id });
  }
  return points;
}

/**
 * Ground-truth records whose id starts with `prefix`, once `count` of them are there: the
 * simulator writes records as requests end and flushes every 100 ms.
 */
export async function groundTruthFor<T extends { id: string }>(path: string, prefix: string, count: number, limitMs = 5000): Promise<T[]> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    // `RUNID-` selects the run's records whether it sent RUNID-N or its UUIDs (src/engine/request-ids.ts).
    const uuids = new RequestIds(prefix.replace(/-$/, ''), 'uuid').runPrefix;
    const recs = existsSync(path) ? readJsonl<T>(path).filter((r) => r.id.startsWith(prefix) || r.id.startsWith(uuids)) : [];
    if (recs.length >= count || Date.now() > deadline) return recs;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A loopback port free a moment ago (nothing listens on it now): for a server to start on, or a target that is down. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
