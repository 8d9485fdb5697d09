// Under rising concurrency the simulator queues and slows down as a batching server does:
// mean TTFT and the peak of vllm:num_requests_waiting rise with the load. Compared within one
// run, no absolute time thresholds (the machine is shared and noisy).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, scrape, wordsPrompt } from '../../src/sim/client.js';
import { type GroundTruthRecord, scheduledTokenTimes } from '../../src/sim/ground-truth.js';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file.js';
import { parsePrometheusText, sampleValue } from '../../src/sim/prom-parse.js';
import { type SimProcess, spawnSim } from '../../src/sim/spawn.js';

const LEVELS = [1, 8, 32];
const dir = mkdtempSync(join(tmpdir(), 'sim-load-'));
const gtPath = join(dir, 'gt.jsonl');
let sim: SimProcess;
const peakWaiting: number[] = [];
const clientTtft: number[] = [];
let recs: GroundTruthRecord[] = [];

async function gauge(name: string): Promise<number> {
  return sampleValue(parsePrometheusText(await scrape(sim.url)), name) ?? NaN;
}

beforeAll(async () => {
  // Steps long enough (20 ms + 0.1 ms per prompt token) that queueing, not machine noise, sets TTFT.
  sim = await spawnSim(['--preset', 'fast', '--max-num-seqs', '4', '--step-base-ms', '20', '--prefill-token-ms', '0.1', '--ground-truth', gtPath, '--quiet']);
  for (const [li, c] of LEVELS.entries()) {
    let peak = 0;
    let polling = true;
    const poller = (async () => {
      for (let i = 0; polling && i < 2000; i++) {
        peak = Math.max(peak, await gauge('vllm:num_requests_waiting'));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const results = await Promise.all(
      Array.from({ length: c }, (_, i) =>
        post(`${sim.url}/v1/completions`, { prompt: wordsPrompt(256, `${li}-${i}`), max_tokens: 12, stream: true }, { 'x-request-id': `L${c}-${i}` }),
      ),
    );
    polling = false;
    await poller;
    for (const r of results) expect(r.tokenMs).toHaveLength(12);
    peakWaiting.push(peak);
    clientTtft.push(results.reduce((a, r) => a + (r.tokenMs[0] - r.sendMs), 0) / c);
    // Drained before the next level.
    expect(await gauge('vllm:num_requests_running')).toBe(0);
  }
  await sim.stop();
  recs = readGroundTruthFile(gtPath);
}, 240_000);
afterAll(async () => {
  await sim?.stop();
});

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

describe('load response', () => {
  it('mean TTFT rises with concurrency (ground truth and client agree on the trend)', () => {
    const gtTtft = LEVELS.map((c) => {
      const mine = recs.filter((r) => r.id.startsWith(`L${c}-`));
      expect(mine).toHaveLength(c);
      // The modelled first-token time (write time minus the event loop's lateness).
      return mine.reduce((a, r) => a + (scheduledTokenTimes(r)[0] - r.arrivalMs), 0) / c;
    });
    expect(increasing(gtTtft), `ground-truth TTFT ${gtTtft}`).toBe(true);
    expect(increasing(clientTtft), `client TTFT ${clientTtft}`).toBe(true);
  });

  it('peak num_requests_waiting rises with concurrency (metric and ground truth)', () => {
    expect(increasing(peakWaiting), `peaks ${peakWaiting}`).toBe(true);
    // The exact peak from the ground truth: requests arrived but not yet admitted.
    const exact = LEVELS.map((c) => {
      const ev: [number, number][] = [];
      for (const r of recs.filter((x) => x.id.startsWith(`L${c}-`))) ev.push([r.arrivalMs, 1], [r.queueExitMs!, -1]);
      ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let cur = 0;
      let peak = 0;
      for (const [, d] of ev) peak = Math.max(peak, (cur += d));
      return peak;
    });
    expect(increasing(exact), `exact peaks ${exact}`).toBe(true);
    // With max_num_seqs 4, 32 concurrent requests must mostly wait.
    expect(exact[2]).toBeGreaterThanOrEqual(32 - 4 - 4);
  });
});
