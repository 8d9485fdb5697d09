// scripts/lib/native-build.sh, the portable build-and-prove step every native artifact goes
// through (llama-cpp-python's wheel, llama-server, the Rust addon), driven here with a tiny C
// program (test/fixtures/native-build/) so the fallback paths are proven without a 10-minute
// llama.cpp build: tiers best first, a smoke test before caching and before each use, a crash
// by signal or a forced failure leading to the safer tier (or a clear error), never to a cached
// broken build; the cache key naming the tier and flags.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/processes';

const LIB = 'scripts/lib/native-build.sh';
const RECIPE = 'test/fixtures/native-build/recipe.sh';
// Both tiers named explicitly, so the test means the same on a CPU without AVX2 (the probe's
// v3 build runs there too: its loop is compiled, and a v3 crash would only show as a fallback).
const TIERS = 'x86-64-v3 x86-64';
const isX86 = process.arch === 'x64';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The recipe's own log: "build TIER" / "smoke TIER", one line per run. */
  steps: string[];
}

function run(cache: string, env: Record<string, string> = {}): Run {
  const log = join(cache, `steps-${Math.random().toString(36).slice(2)}.log`);
  const r = spawnSync('bash', [LIB, 'probe', '1.0', RECIPE], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, K6LR_CACHE_DIR: cache, K6LR_NATIVE_TIERS: TIERS, PROBE_LOG: log, K6LR_NATIVE_SMOKE_FAIL: '', ...env },
  });
  const steps = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, steps };
}

const cached = (cache: string) => (existsSync(join(cache, 'native')) ? readdirSync(join(cache, 'native')).filter((f) => !f.startsWith('.')).sort() : []);
const builds = (cache: string) => cached(cache).filter((f) => !f.includes('.failed-cpu'));
const marks = (cache: string) => cached(cache).filter((f) => f.includes('.failed-cpu'));

describe.runIf(isX86)('native-build: portable tiers, proven before caching and before use', () => {
  it('builds the best tier, smoke-tests it, caches it under a key naming the tier and flags, and proves it again when reused', () => {
    const cache = tempDir('native');
    const first = run(cache);
    expect(first.status, first.stderr).toBe(0);
    expect(first.steps).toEqual(['build x86-64-v3', 'smoke x86-64-v3']);
    const [dir, tier] = first.stdout.trim().split('\t');
    expect(tier).toBe('x86-64-v3');
    expect(builds(cache)).toEqual([expect.stringMatching(/^probe-1\.0-x86_64-x86-64-v3-[0-9a-f]{8}$/)]);
    expect(dir).toBe(join(cache, 'native', builds(cache)[0]));
    const info = readFileSync(join(dir, 'BUILD-INFO'), 'utf8');
    expect(info).toContain('tier=x86-64-v3');
    expect(info).toContain('flags=-O2 -march=x86-64-v3');

    const again = run(cache);
    expect(again.status, again.stderr).toBe(0);
    expect(again.steps).toEqual(['smoke x86-64-v3']); // no rebuild, but proven before use
    expect(again.stderr).toMatch(/tier x86-64-v3, from the cache .* \(smoke test passed\)/);
  });

  it('K6LR_NATIVE_SMOKE_FAIL on the best tier: the fresh build is discarded and the safer tier is built, cached and named', () => {
    const cache = tempDir('native');
    const r = run(cache, { K6LR_NATIVE_SMOKE_FAIL: 'x86-64-v3' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.steps).toEqual(['build x86-64-v3', 'build x86-64', 'smoke x86-64']); // the forced failure runs no smoke
    expect(r.stdout.trim().split('\t')[1]).toBe('x86-64');
    expect(r.stderr).toContain('smoke test made to fail by K6LR_NATIVE_SMOKE_FAIL=x86-64-v3');
    expect(r.stderr).toContain('discarding the fresh build of tier x86-64-v3 (not cached)');
    expect(builds(cache)).toEqual([expect.stringMatching(/^probe-1\.0-x86_64-x86-64-[0-9a-f]{8}$/)]);
    expect(marks(cache)).toEqual([]); // a forced failure does not mark the tier as failing on this CPU
  });

  it('a cached build that fails its smoke test is discarded, not used: the safer tier is built instead', () => {
    const cache = tempDir('native');
    expect(run(cache).status).toBe(0);
    expect(builds(cache)).toHaveLength(1);
    const r = run(cache, { K6LR_NATIVE_SMOKE_FAIL: 'x86-64-v3' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.steps).toEqual(['build x86-64', 'smoke x86-64']);
    expect(r.stderr).toMatch(/discarding the cached build .*x86-64-v3/);
    expect(builds(cache)).toEqual([expect.stringMatching(/^probe-1\.0-x86_64-x86-64-[0-9a-f]{8}$/)]);
  });

  it('a real crash by SIGILL in the smoke test: discarded, the tier marked as failing on this CPU and skipped next time', () => {
    const cache = tempDir('native');
    const r = run(cache, { PROBE_CRASH_TIER: 'x86-64-v3' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('smoke test failed, killed by signal 4 (SIGILL)');
    expect(r.steps).toEqual(['build x86-64-v3', 'smoke x86-64-v3', 'build x86-64', 'smoke x86-64']);
    expect(r.stdout.trim().split('\t')[1]).toBe('x86-64');
    expect(marks(cache)).toEqual([expect.stringMatching(/^probe-1\.0-x86_64-x86-64-v3-[0-9a-f]{8}\.failed-cpu[0-9a-f]{12}$/)]);
    expect(builds(cache)).toEqual([expect.stringMatching(/^probe-1\.0-x86_64-x86-64-[0-9a-f]{8}$/)]);

    const next = run(cache);
    expect(next.status, next.stderr).toBe(0);
    expect(next.steps).toEqual(['smoke x86-64']); // the crashing tier is not built again on this CPU
    expect(next.stderr).toContain('tier x86-64-v3 failed its smoke test on this CPU before');
  });

  it('a failing build falls back to the next tier', () => {
    const cache = tempDir('native');
    const r = run(cache, { PROBE_BUILD_FAIL: 'x86-64-v3' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.steps).toEqual(['build x86-64-v3', 'build x86-64', 'smoke x86-64']);
    expect(r.stderr).toContain('the build of tier x86-64-v3 failed (exit status 1)');
  });

  it('when every tier fails: a clear error, exit 1, and nothing cached', () => {
    const cache = tempDir('native');
    const r = run(cache, { K6LR_NATIVE_SMOKE_FAIL: 'all' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('probe: no build passed its smoke test (tiers tried: x86-64-v3 x86-64)');
    expect(builds(cache)).toEqual([]);
    expect(readdirSync(join(cache, 'native')).filter((f) => f.startsWith('.building'))).toEqual([]);
  });

  it('the tiers of this CPU come from the flags the kernel lists: v3 only with AVX2/FMA/F16C/BMI2, never an AVX-512/AMX tier', () => {
    const r = spawnSync('bash', ['-c', `source ${LIB}; nb_tiers`], { encoding: 'utf8', env: { ...process.env, K6LR_NATIVE_TIERS: '' } });
    const flags = new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
    const v3 = ['sse4_2', 'popcnt', 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe', 'abm'].every((f) => flags.has(f));
    expect(r.stdout.trim()).toBe(v3 ? 'x86-64-v3 x86-64' : 'x86-64');
  });

  it('ggml flags per tier: never -march=native, AVX-512 and AMX always off, the plain tier with every SIMD option off', () => {
    const flags = (tier: string) => spawnSync('bash', ['-c', `source scripts/real-engine/llama-source.sh; ggml_cmake_flags ${tier}`], { encoding: 'utf8' }).stdout;
    const v3 = flags('x86-64-v3');
    expect(v3).toContain('-DGGML_NATIVE=OFF');
    expect(v3).toContain('-DGGML_AVX2=ON');
    expect(v3).toContain('-DGGML_FMA=ON');
    for (const off of ['AVX512', 'AVX512_VNNI', 'AVX512_BF16', 'AMX_TILE', 'AMX_INT8', 'BACKEND_DL', 'CPU_ALL_VARIANTS']) expect(v3).toContain(`-DGGML_${off}=OFF`);
    const plain = flags('x86-64');
    expect(plain).not.toMatch(/=ON/);
    expect(plain).toContain('-DGGML_SSE42=OFF');
  });
});
