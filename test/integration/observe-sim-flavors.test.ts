// The /metrics maps (src/observe/engines.ts) against the simulator speaking each server
// (--flavor): a scrape reduced to the engine-neutral snapshot gives the ground truth's totals.

import { afterAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/observe/exposition';
import { detectEngine, snapshot, type EngineName } from '../../src/observe/engines';
import { post, scrape, wordsPrompt } from '../../src/sim/client';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import { startSim, type RunningSim } from './support/processes';

const sims: RunningSim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

const sum = (gt: GroundTruthRecord[], f: (g: GroundTruthRecord) => number) => gt.reduce((a, g) => a + f(g), 0);

async function settle(sim: RunningSim, n: number): Promise<GroundTruthRecord[]> {
  for (let i = 0; i < 100; i++) {
    const gt = readGroundTruthFile(sim.groundTruth);
    if (gt.length >= n) return gt;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ground truth of ${n} requests not written`);
}

async function scrapeAs(sim: RunningSim, engine: EngineName) {
  const expo = parseExposition(await scrape(sim.url));
  expect(detectEngine(expo)).toBe(engine);
  return snapshot(expo, engine, 'served');
}

const chat = (content: string, maxTokens: number) => ({ model: 'served', messages: [{ role: 'user', content }], max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } });

describe('engine maps against the simulator flavors', () => {
  it('vllm: prefix hits of every source (device and a CPU offload tier) and the offload bytes', async () => {
    const sim = await startSim(['--flavor', 'vllm', '--model', 'served', '--preset', 'fast', '--block-size', '16', '--kv-blocks', '40', '--kv-cpu-blocks', '400', '--quiet']);
    sims.push(sim);
    // Four 256-token documents (64 blocks) through a 40-block GPU: later rounds hit the CPU tier.
    let n = 0;
    for (let round = 0; round < 3; round++) for (let doc = 0; doc < 4; doc++, n++) await post(`${sim.url}/v1/chat/completions`, chat(`${wordsPrompt(256, `d${doc}`)} ${wordsPrompt(8, `q${n}`)}`, 4));
    const gt = await settle(sim, n);
    const s = await scrapeAs(sim, 'vllm');
    const external = sum(gt, (g) => (g.cachedTokensByTier ? g.cachedTokensByTier.cpu + g.cachedTokensByTier.disk : 0));
    expect(external).toBeGreaterThan(0);
    expect(s.counters.prefixHits).toBe(sum(gt, (g) => g.cachedTokens));
    expect(s.counters.prefixQueries).toBe(sum(gt, (g) => g.promptTokens));
    expect(s.counters.promptTokens).toBe(sum(gt, (g) => g.promptTokens));
    expect(s.counters.generationTokens).toBe(sum(gt, (g) => g.completionTokens));
    expect(s.counters.requestsFinished).toBe(n);
    expect(s.counters.kvOffloadLoadBytes).toBeGreaterThan(0);
    expect(s.counters.kvOffloadStoreBytes).toBeGreaterThan(0);
    expect(s.histograms.ttft?.count).toBe(n);
    expect(s.histograms.queueTime?.count).toBe(n);
    await sim.stop();
  });

  it('sglang: retractions as preemptions, queue time, cached tokens as hits', async () => {
    const sim = await startSim(['--flavor', 'sglang', '--model', 'served', '--preset', 'fast', '--block-size', '16', '--kv-blocks', '30', '--quiet']);
    sims.push(sim);
    // Eight requests at once, each ~150 tokens, in a 480-token KV pool: some are retracted.
    const N = 8;
    await Promise.all(Array.from({ length: N }, (_, i) => post(`${sim.url}/v1/chat/completions`, chat(wordsPrompt(100, `r${i}`), 50))));
    // The same prompt twice more, one after the other: the second hits the prefix cache.
    for (let i = 0; i < 2; i++) await post(`${sim.url}/v1/chat/completions`, chat(wordsPrompt(100, 'again'), 2));
    const M = N + 2;
    const gt = await settle(sim, M);
    const s = await scrapeAs(sim, 'sglang');
    const preemptions = sum(gt, (g) => g.preemptions);
    expect(preemptions).toBeGreaterThan(0);
    expect(s.counters.preemptions).toBe(preemptions);
    expect(s.histograms.queueTime?.count).toBe(M);
    expect(s.counters.prefixHits).toBe(sum(gt, (g) => g.cachedTokens));
    expect(s.counters.prefixHits).toBeGreaterThan(0);
    expect(s.counters.promptTokens).toBe(sum(gt, (g) => g.promptTokens));
    expect(s.counters.generationTokens).toBe(sum(gt, (g) => g.completionTokens));
    expect(s.counters.requestsFinished).toBe(M);
    expect(s.histograms.ttft?.count).toBe(M);
    expect(s.histograms.itl?.count).toBe(sum(gt, (g) => Math.max(0, g.completionTokens - 1)));
    expect(s.histograms.e2e?.count).toBe(M);
    expect(s.levels).toMatchObject({ running: 0, waiting: 0 });
    await sim.stop();
  });

  it('llamacpp: levels and generated tokens from its unlabelled series', async () => {
    const sim = await startSim(['--flavor', 'llamacpp', '--model', 'served', '--preset', 'fast', '--quiet']);
    sims.push(sim);
    for (let i = 0; i < 3; i++) await post(`${sim.url}/v1/chat/completions`, chat(wordsPrompt(20, `l${i}`), 5));
    const gt = await settle(sim, 3);
    const s = await scrapeAs(sim, 'llamacpp');
    expect(s.levels).toMatchObject({ running: 0, waiting: 0 });
    expect(s.counters.generationTokens).toBe(sum(gt, (g) => g.completionTokens));
    await sim.stop();
  });
});
