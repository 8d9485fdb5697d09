// Sessions under load: the eligible cache hit rate the real simulator's prefix cache gives with
// ample and with scarce KV cache, and 32 concurrent users on the shipped session traces with the
// engine CLI's memory sampled while it runs.

import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, runCli, startCli, startSim, tempDir, type RunningSim } from './support/processes';
import { flagArgs } from './support/flags';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import type { SessionsResult } from '../../src/sessions/summary';

const EXCERPT = 'traces/sessions/kvcache-tester-0282-excerpt.json';

/** sum cached / sum eligible from the ground truth: eligible_i = prompt_(i-1) + completion_(i-1) of the same agent. */
function eligibleHitRate(recs: GroundTruthRecord[]): number {
  const agents = new Map<string, Array<{ turn: number; r: GroundTruthRecord }>>();
  for (const r of recs) {
    const m = /-s(\d+)-a(\d+)-t(\d+)$/.exec(r.id)!;
    const key = `${m[1]}/${m[2]}`;
    agents.set(key, [...(agents.get(key) ?? []), { turn: Number(m[3]), r }]);
  }
  let cached = 0;
  let eligible = 0;
  for (const list of agents.values()) {
    list.sort((a, b) => a.turn - b.turn);
    list.forEach(({ r }, i) => {
      cached += r.cachedTokens;
      if (i > 0) eligible += list[i - 1].r.promptTokens + list[i - 1].r.completionTokens;
    });
  }
  return cached / eligible;
}

/** Samples the VmRSS (kB) of a process every 100 ms until stopped. */
function sampleRss(pid: number, samples: Array<{ at: number; kb: number }>): () => void {
  const timer = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) samples.push({ at: Date.now(), kb: Number(m[1]) });
    } catch {
      // the process is gone
    }
  }, 100);
  return () => clearInterval(timer);
}

describe('sessions under load', () => {
  let sim: RunningSim | undefined;
  const dir = tempDir('sessions-load');
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  async function hitRate(kvBlocks: number): Promise<{ engine: number; truth: number }> {
    sim = await startSim(['--preset', 'fast', '--time-scale', '0.02', '--max-model-len', '200000', '--kv-blocks', String(kvBlocks), '--quiet']);
    const runId = `kv${kvBlocks}`;
    const run = await runCli(['sessions', ...flagArgs({
      traces: EXCERPT, 'base-url': sim.url, model: 'sim-model', 'run-id': runId, users: 4, sessions: 4, 'time-scale': 0.01, 'summary-json': join(dir, `${runId}.json`),
    })], {}, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(join(dir, `${runId}.json`), 'utf8')) as SessionsResult;
    expect(r.sessions).toMatchObject({ started: 4, ok: 4 });
    const recs = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, 4 * 17);
    expect(recs.length).toBe(4 * 17);
    await sim.stop();
    sim = undefined;
    return { engine: r.eligibleHitRate!, truth: eligibleHitRate(recs) };
  }

  it('eligible cache hit rate is near 100% with ample KV cache and falls as the cache shrinks', async () => {
    const ample = await hitRate(100_000);
    const scarce = await hitRate(6_000);
    console.log(`eligible cache hit rate (engine / ground truth): ample ${(ample.engine * 100).toFixed(1)}% / ${(ample.truth * 100).toFixed(1)}%, ` +
      `6000 blocks ${(scarce.engine * 100).toFixed(1)}% / ${(scarce.truth * 100).toFixed(1)}%`);
    // Sibling sub-agents share their opening blocks, so cached can exceed eligible a little.
    expect(ample.engine).toBeGreaterThan(0.95);
    expect(scarce.engine).toBeLessThan(0.8 * ample.engine);
    for (const x of [ample, scarce]) expect(x.engine / x.truth).toBeCloseTo(1, 6);
  });

  it('32 users on the shipped session traces: every session completes, memory stays flat', async () => {
    sim = await startSim(['--preset', 'fast', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '400000', '--quiet']);
    const runId = 'users32';
    const SESSIONS = 256; // 8 rounds of 32: long enough for the heap to reach its steady size
    const samples: Array<{ at: number; kb: number }> = [];
    const started = Date.now();
    const cli = startCli(['sessions', ...flagArgs({
      traces: 'traces/sessions/', 'base-url': sim.url, model: 'sim-model', 'run-id': runId, users: 32, sessions: SESSIONS, 'time-scale': 0.01, seed: 7,
      'summary-json': join(dir, `${runId}.json`),
    })], {}, 240_000);
    // The CLI is node itself (no launcher): its pid is the process that runs the sessions.
    const stop = sampleRss(cli.proc.pid!, samples);
    const run = await cli.done;
    stop();
    const wallS = (Date.now() - started) / 1000;
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(join(dir, `${runId}.json`), 'utf8')) as SessionsResult;
    expect(r.sessions).toMatchObject({ planned: SESSIONS, started: SESSIONS, ok: SESSIONS, failed: 0, aborted: 0 });
    expect(r.serving.requests.notSent).toBe(0);
    expect(r.serving.requests.sent).toBe(r.serving.requests.planned);
    const recs = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, r.serving.requests.planned);
    expect(recs.length).toBe(r.serving.requests.planned);
    expect(new Set(recs.map((x) => x.id)).size).toBe(recs.length);

    expect(samples.length).toBeGreaterThan(10);
    const peak = Math.max(...samples.map((s) => s.kb));
    const t0 = samples[0].at;
    const t1 = samples[samples.length - 1].at;
    const phase = (from: number, to: number) => Math.max(...samples.filter((s) => s.at >= t0 + from * (t1 - t0) && s.at <= t0 + to * (t1 - t0)).map((s) => s.kb));
    const middle = phase(0.25, 0.75);
    const last = phase(0.75, 1);
    console.log(`32 users, ${SESSIONS} sessions, ${r.serving.requests.sent} requests: wall ${wallS.toFixed(1)} s (benchmark ${r.serving.durationS.toFixed(1)} s), ` +
      `engine peak RSS ${(peak / 1024).toFixed(0)} MiB (first quarter ${(phase(0, 0.25) / 1024).toFixed(0)}, middle half ${(middle / 1024).toFixed(0)}, last quarter ${(last / 1024).toFixed(0)})`);
    // Bounded: once every user is busy, memory does not grow with the sessions run (the last
    // quarter's peak is not above the middle's, give or take the garbage collector), and the
    // whole run stays within 1 GiB.
    expect(last / middle).toBeLessThan(1.2);
    expect(peak).toBeLessThan(1024 * 1024);
  });
});
