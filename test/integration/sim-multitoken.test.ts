// The simulator's --tokens-per-chunk (several tokens per streamed chunk, as speculative decoding
// sends them; per-chunk usage with continuous_usage_stats) and --reasoning-tokens, and what the
// engine measures from them: one ITL gap per chunk (as vllm bench serve), TPOT per token, TTFO.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { decodeTokenTimes, type GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';

const K = 4;
const REASONING = 3;

describe('simulator: several tokens per chunk, reasoning on every stream', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--time-scale', '0.05', '--quiet', '--tokens-per-chunk', String(K), '--reasoning-tokens', String(REASONING)]);
  });
  afterAll(async () => sim?.stop());

  it('streams K tokens per chunk with the running usage when the request asks continuous usage stats (token-id prompt)', async () => {
    const res = await fetch(`${sim.url}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'multi-1' },
      body: JSON.stringify({ model: 'sim-model', prompt: [11, 12, 13, 14, 15], max_tokens: 10, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } }),
    });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: Array<{ text: string; finish_reason: string | null }>; usage?: { completion_tokens: number } });
    const tokenChunks = chunks.filter((c) => c.choices.length > 0);
    // Completions carry no reasoning: 10 tokens as 4 + 4 + 2.
    expect(tokenChunks.map((c) => c.choices[0].text.trim().split(' ').length)).toEqual([4, 4, 2]);
    expect(tokenChunks.map((c) => c.usage?.completion_tokens)).toEqual([4, 8, 10]);
    expect(tokenChunks.at(-1)!.choices[0].finish_reason).toBe('length');
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(10);
    // Without continuous_usage_stats, token chunks carry no usage.
    const plain = await fetch(`${sim.url}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-model', prompt: 'a b c', max_tokens: 5, stream: true, stream_options: { include_usage: true } }),
    });
    const plainChunks = (await plain.text()).split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)) as { choices: unknown[]; usage?: unknown });
    expect(plainChunks.filter((c) => c.choices.length > 0 && c.usage !== undefined)).toEqual([]);
  });

  it('replays with one ITL gap per chunk, TPOT per token and TTFO after the reasoning chunk', async () => {
    const dir = tempDir('multitoken');
    const trace = join(dir, 'trace.jsonl');
    const outputs = [2, 10, 16, 7, 12, 9];
    writeFileSync(trace, outputs.map((n, i) => JSON.stringify({ timestamp: i * 40, input_length: 64, output_length: n, hash_ids: [i] })).join('\n') + '\n');
    const records = join(dir, 'records.jsonl');
    const summaryPath = join(dir, 'summary.json');
    const run = await runCli(['replay', '--trace', trace, '--base-url', sim.url, '--run-id', 'multitoken', '--out', `jsonl=${records}`, '--summary-json', summaryPath, '--quiet'], {}, 60_000);
    expect(run.code, run.stderr).toBe(0);
    const recs = readRecords(records).sort((a, b) => a.index - b.index);
    expect(recs.every((r) => r.ok)).toBe(true);
    expect(recs.map((r) => r.outputTokens)).toEqual(outputs);
    // Chunks: the reasoning (3 tokens, or fewer), then the answer in groups of K.
    const chunksOf = (n: number) => 1 + Math.ceil(Math.max(0, n - REASONING) / K);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult;
    expect(summary.latencyMs.itl?.count).toBe(outputs.reduce((s, n) => s + chunksOf(n) - 1, 0));
    // TTFO: only requests whose answer came after reasoning; later than TTFT by a chunk.
    const answered = recs.filter((r) => r.outputTokens > REASONING);
    expect(recs.filter((r) => r.ttfoMs !== undefined).length).toBe(answered.length);
    // Never before TTFT; equal when the reasoning chunk and the first answer chunk left the
    // loaded simulator in one packet (the native transport stamps each event with its packet's time).
    for (const r of answered) expect(r.ttfoMs!).toBeGreaterThanOrEqual(r.ttftMs!);
    expect(answered.some((r) => r.ttfoMs! > r.ttftMs!)).toBe(true);
    expect(summary.latencyMs.ttfo?.count).toBe(answered.length);
    expect(run.stdout).toMatch(/Time to First Output Token/);
    // The ground truth (the simulator writes a record once its response ended: waited for): a
    // time per token, one per chunk shared by its tokens.
    const truth = new Map((await groundTruthFor<GroundTruthRecord>(sim.groundTruth, 'multitoken-', recs.length)).map((g) => [g.id, g]));
    for (const r of recs) {
      const g = truth.get(r.id)!;
      const times = decodeTokenTimes(g);
      expect(times.length).toBe(r.outputTokens);
      // Tokens of one chunk share one hand-over time.
      expect(new Set(times).size).toBe(chunksOf(r.outputTokens));
    }
  });
});
