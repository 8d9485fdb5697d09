// Every sample in traces/ replays on the engine CLI as Node reads it: the format the CLI detects,
// the requests it plans, and each one reaching the simulator once with its recorded prompt length.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, indexOf, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { readTrace } from '../../src/trace/read';
import { selectRequests } from '../../src/trace/open-loop';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';

const MAX = 8;
/** Fast enough that the longest sample (kvcache-tester, ~16 min) takes a fraction of a second. */
const SPEEDUP = 10_000;
const FILES = readdirSync('traces').filter((f) => /\.(jsonl?|csv)$/.test(f));

describe('every sample trace on the engine', () => {
  let sim: RunningSim;
  const dir = tempDir('traces');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--time-scale', '0.02', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('finds the samples', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(10);
  });

  it.each(FILES)('%s', async (file) => {
    const path = join('traces', file);
    const trace = readTrace(readFileSync(path, 'utf8'), path);
    const expected = selectRequests(trace, { speedup: SPEEDUP, maxRequests: MAX });
    const runId = `t${FILES.indexOf(file)}`;
    const summaryPath = join(dir, `${runId}.summary.json`);
    const run = await runCli(['replay', '--trace', path, '--base-url', sim.url, '--model', 'sim-model', '--speedup', String(SPEEDUP), '--max-requests', String(MAX),
      '--run-id', runId, '--summary-json', summaryPath, '--no-scrape', '--quiet'], {}, 120_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const s = JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult;
    expect(s.run.format).toBe(trace.format);
    // A request recorded as failed (BurstGPT's 0 response tokens) is sent as recorded, with
    // max_tokens 0, which a vLLM-like server refuses with a 400.
    const answered = expected.filter((r) => r.outputTokens > 0);
    const refused = expected.length - answered.length;
    expect(s.requests).toMatchObject({ planned: expected.length, sent: expected.length, succeeded: answered.length, failed: refused });
    expect(s.errors).toEqual(refused ? { http_400: refused } : {});

    const gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, expected.length);
    expect(gt.map((g) => indexOf(g.id)).sort((a, b) => a - b)).toEqual(expected.map((r) => r.index));
    const byIndex = new Map(gt.map((g) => [indexOf(g.id), g]));
    for (const r of answered) expect(byIndex.get(r.index)?.promptTokens, `${file} request ${r.index}`).toBe(r.inputTokens);
    expect(s.tokens.input).toBe(answered.reduce((a, r) => a + r.inputTokens, 0));
  });
});
