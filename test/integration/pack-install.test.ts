// The package as users get it: `npm pack` (its prepack builds the bundles), the tarball
// installed globally into an empty prefix with no network (npm --offline, from a cache filled
// beforehand with its one dependency, esbuild) and no repository around it, then the installed
// `llm-replay`: --version, `sim` + `replay` (one thread and --workers 2, so the worker bundles
// load), and `run` of a TypeScript scenario (esbuild's API compiles it against the installed
// API module). Nothing here runs the sources or tsx.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './support/processes';

const run = promisify(execFile);
const REPO = resolve('.');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
const esbuildVersion = (JSON.parse(readFileSync('node_modules/esbuild/package.json', 'utf8')) as { version: string }).version;

const dir = tempDir('pack');
const prefix = join(dir, 'prefix');
const cache = join(dir, 'npm-cache');
const work = join(dir, 'work');
const bin = join(prefix, 'bin', 'llm-replay');
/** npm with a cache and user config of its own: nothing of this machine's npm set-up is used. */
const npmEnv = { ...process.env, npm_config_cache: cache, npm_config_userconfig: join(dir, 'npmrc'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
let tarball = '';
let sim: ChildProcess | undefined;
let simUrl = '';

/** The installed CLI, run from a folder outside the repository, with PATH holding only node's own folder. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(bin, args, { cwd: work, timeout: 120_000, maxBuffer: 1 << 24, env: { PATH: `${prefix}/bin:${resolve(process.execPath, '..')}:/usr/bin:/bin`, HOME: dir, ...env } });
}

beforeAll(async () => {
  const packed = await run('npm', ['pack', '--pack-destination', dir], { cwd: REPO, env: npmEnv, timeout: 300_000, maxBuffer: 1 << 24 });
  tarball = join(dir, packed.stdout.trim().split('\n').pop()!);
  // The filled cache: esbuild and its binary for this platform, fetched once; the install below is offline.
  await run('npm', ['cache', 'add', `esbuild@${esbuildVersion}`, `@esbuild/${process.platform}-${process.arch}@${esbuildVersion}`], { env: npmEnv, timeout: 300_000 });
  await run('npm', ['install', '-g', '--offline', '--prefix', prefix, tarball], { cwd: dir, env: npmEnv, timeout: 300_000 });
  await run('mkdir', ['-p', work]);
  copyFileSync('traces/mooncake-sample.jsonl', join(work, 'trace.jsonl'));
  copyFileSync('examples/scenario.ts', join(work, 'scenario.ts'));
}, 600_000);

afterAll(async () => {
  if (sim && sim.exitCode === null) {
    const exited = new Promise((r) => sim!.once('exit', r));
    sim.kill('SIGTERM');
    const kill = setTimeout(() => sim!.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball, installed offline into an empty prefix', () => {
  it('holds the bundles, data and licence, and neither the sources nor tsx', async () => {
    const list = (await run('tar', ['-tzf', tarball])).stdout.split('\n');
    for (const f of ['package/dist/app/llm-replay.js', 'package/dist/app/api.js', 'package/dist/app/replay-worker.js', 'package/dist/app/sim-prep-worker.js', 'package/dist/k6/replay.js', 'package/data/vocab/universal.txt', 'package/LICENSE']) {
      expect(list, f).toContain(f);
    }
    expect(list.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
    const installed = join(prefix, 'lib', 'node_modules', pkg.name);
    expect(readdirSync(join(installed, 'node_modules')).filter((d) => d !== '.bin').sort()).toEqual(['@esbuild', 'esbuild']);
    expect(existsSync(join(installed, 'node_modules', 'tsx'))).toBe(false);
  });

  it('prints its version', async () => {
    expect((await cli(['--version'])).stdout.trim()).toBe(`llm-replay ${pkg.version}`);
  });

  it('runs the simulator', async () => {
    sim = spawn(bin, ['sim', '--port', '0', '--preset', 'fast', '--time-scale', '0.01', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sim.stderr!.on('data', (d) => (out += d));
    simUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the installed simulator did not start:\n${out}`)), 30_000);
      sim!.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      sim!.once('exit', (code) => reject(new Error(`the installed simulator exited with ${code}:\n${out}`)));
    });
    expect(simUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  for (const workers of [1, 2]) {
    it(`replays a trace against it (--workers ${workers})`, async () => {
      const summary = join(work, `summary-${workers}.json`);
      await cli(['replay', '--trace', 'trace.jsonl', '--base-url', simUrl, '--max-requests', '40', '--speedup', '20', '--workers', String(workers), '--summary-json', summary, '--no-scrape', '--quiet']);
      const s = JSON.parse(readFileSync(summary, 'utf8')) as { requests: { planned: number; sent: number; succeeded: number } };
      expect(s.requests.planned).toBe(40);
      expect(s.requests.sent).toBe(40);
      expect(s.requests.succeeded).toBe(40);
    });
  }

  it('compiles and runs a TypeScript scenario through esbuild', async () => {
    const r = await cli(['run', 'scenario.ts', '--base-url', simUrl, '--summary-json', join(work, 'run.json'), '--quiet'], { SCENARIO_SECONDS: '1', SCENARIO_RATE: '5', SCENARIO_VUS: '1' });
    const s = JSON.parse(readFileSync(join(work, 'run.json'), 'utf8')) as { requests: { succeeded: number; failed: number } };
    expect(s.requests.succeeded, r.stderr).toBeGreaterThan(0);
    expect(s.requests.failed).toBe(0);
  });
});
