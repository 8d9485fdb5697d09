// --time-scale speeds the model up while the ground truth stays on the real clock, and the
// summarize command reads that ground truth with the harness's formulas.

import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { post, wordsPrompt } from '../../src/sim/client.js';
import { scheduledTokenTimes } from '../../src/sim/ground-truth.js';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file.js';
import { REPO_ROOT, SIM_MAIN, spawnSim } from '../../src/sim/spawn.js';
import { summarizeFile } from '../../src/sim/summary.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function itlAndStall(scale: string, dir: string): Promise<{ itl: number; stallGap: number; gt: string; client: Awaited<ReturnType<typeof post>> }> {
  const gt = join(dir, `gt-${scale}.jsonl`);
  const sim = await spawnSim(['--preset', 'fast', '--step-base-ms', '40', '--time-scale', scale, '--ground-truth', gt, '--quiet']);
  const client = await post(`${sim.url}/v1/completions`, { prompt: wordsPrompt(30, scale), max_tokens: 12, stream: true }, { 'x-request-id': 'a', 'x-sim-fault': 'stall=400@6' });
  await sim.stop();
  const [rec] = readGroundTruthFile(gt);
  // Modelled (scheduled) times: exact, free of the event loop's jitter.
  const t = scheduledTokenTimes(rec);
  const gaps = t.slice(1).map((x, i) => x - t[i]);
  // Ground truth on the client's clock: arrival after send, finish before the client saw the end.
  expect(rec.arrivalMs).toBeGreaterThanOrEqual(client.sendMs);
  expect(rec.finishMs).toBeLessThanOrEqual(client.endMs);
  return { itl: median(gaps.filter((_, i) => i !== 5)), stallGap: gaps[5], gt, client };
}

describe('time scale', () => {
  it('0.25 makes steps and stalls 4x shorter on the real clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-scale-'));
    const real = await itlAndStall('1', dir);
    const fast = await itlAndStall('0.25', dir);
    expect(fast.itl).toBeLessThan(real.itl);
    expect(real.itl).toBeGreaterThanOrEqual(40 - 0.002);
    expect(fast.itl).toBeGreaterThanOrEqual(10 - 0.002);
    expect(fast.itl).toBeLessThan(real.itl / 2);
    expect(real.stallGap).toBeGreaterThanOrEqual(400);
    expect(fast.stallGap).toBeGreaterThanOrEqual(100);
    expect(fast.stallGap).toBeLessThan(real.stallGap);
  });

  it('summarize prints the table and JSON equal to summarizeFile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-sum-'));
    const gt = join(dir, 'gt.jsonl');
    const sim = await spawnSim(['--preset', 'fast', '--ground-truth', gt, '--quiet']);
    await Promise.all([1, 2, 3, 4].map((i) => post(`${sim.url}/v1/chat/completions`, { messages: [{ role: 'user', content: wordsPrompt(50, i) }], max_tokens: 6, stream: true })));
    await post(`${sim.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'x' }], stream: true }, { 'x-sim-fault': 'status=429' });
    await sim.stop();
    const run = (args: string[]): Promise<string> =>
      new Promise((resolve, reject) => execFile(process.execPath, ['--import', 'tsx', SIM_MAIN, ...args], { cwd: REPO_ROOT, timeout: 30_000 }, (e, out) => (e ? reject(e) : resolve(out))));
    const json = JSON.parse(await run(['summarize', gt, '--json']));
    expect(json).toEqual(JSON.parse(JSON.stringify(await summarizeFile(gt))));
    expect(json.completed).toBe(4);
    expect(json.byStatus).toEqual({ '200': 4, '429': 1 });
    const text = await run(['summarize', gt]);
    for (const s of ['Successful requests:', 'Mean TTFT (ms):', 'P99 ITL (ms):', 'Prefix cache hit rate (%):', 'P99 lateness (ms):', 'status=429:']) expect(text).toContain(s);
  });
});
