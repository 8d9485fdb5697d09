// Prefix cache behaviour end to end: replaying the same Mooncake slice twice against a warm
// cache hits more the second time; a salted replay hits nothing from the warm cache; every
// request's cached_tokens equals an offline computation over the trace's block ids.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, scrape } from '../../src/sim/client.js';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file.js';
import { parsePrometheusText, sampleValue } from '../../src/sim/prom-parse.js';
import { REPO_ROOT, type SimProcess, spawnSim } from '../../src/sim/spawn.js';

const TRACE_BLOCK = 512; // Mooncake hash_ids cover 512 tokens each
const SIM_BLOCK = 16;
const ROWS = 30;

interface Row {
  input_length: number;
  hash_ids: number[];
}
const rows: Row[] = readFileSync(join(REPO_ROOT, 'traces/mooncake-sample.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, ROWS)
  .map((l) => JSON.parse(l) as Row);

/** Hash-block prompt: block id -> 512 distinct words, the last block trimmed to the input length. */
function prompt(r: Row, salt: string): string {
  const words: string[] = [];
  for (let b = 0; b < r.hash_ids.length && words.length < r.input_length; b++)
    for (let j = 0; j < TRACE_BLOCK && words.length < r.input_length; j++) words.push(`${salt}h${r.hash_ids[b]}_${j}`);
  for (let j = 0; words.length < r.input_length; j++) words.push(`${salt}pad${j}`); // rows whose blocks are short
  return words.join(' ');
}

/** Key of simulator block k of a row: every hash id it depends on, and its position. */
function blockKey(r: Row, k: number): string {
  return `${r.hash_ids.slice(0, Math.floor((k * SIM_BLOCK) / TRACE_BLOCK) + 1).join(',')}#${k}`;
}

/** Offline: cached tokens of each row replayed in order, given blocks already cached. */
function offline(seen: Set<string>): number[] {
  return rows.map((r) => {
    const eligible = Math.floor((r.input_length - 1) / SIM_BLOCK); // vLLM: never the whole prompt
    let hit = 0;
    while (hit < eligible && seen.has(blockKey(r, hit))) hit++;
    for (let k = 0; k < Math.floor(r.input_length / SIM_BLOCK); k++) seen.add(blockKey(r, k));
    return hit * SIM_BLOCK;
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sim-cache-'));
const gtPath = join(dir, 'gt.jsonl');
let sim: SimProcess;
const cached: Record<string, number[]> = {};
const metricHits: Record<string, number> = {};

async function replay(name: string, salt: string): Promise<void> {
  const out: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = await post(
      `${sim.url}/v1/completions`,
      { prompt: prompt(rows[i], salt), max_tokens: 2, stream: true, stream_options: { include_usage: true } },
      { 'x-request-id': `${name}-${i}` },
    );
    expect(r.usage?.prompt_tokens).toBe(rows[i].input_length);
    out.push(r.usage!.prompt_tokens_details!.cached_tokens);
  }
  cached[name] = out;
  metricHits[name] = sampleValue(parsePrometheusText(await scrape(sim.url)), 'vllm:prefix_cache_hits_total')!;
}

beforeAll(async () => {
  // Ample KV (no eviction) so the offline computation is exact; long context for Mooncake rows.
  sim = await spawnSim(['--preset', 'fast', '--kv-blocks', '200000', '--max-model-len', '131072', '--max-num-batched-tokens', '8192', '--ground-truth', gtPath, '--quiet']);
  await replay('cold', '');
  await replay('warm', '');
  await replay('salted', 'x7');
}, 240_000);
afterAll(async () => {
  await sim?.stop();
});

describe('prefix cache over a Mooncake slice', () => {
  it('the cold run hits exactly what the slice reuses within itself', () => {
    const expected = offline(new Set());
    expect(cached.cold).toEqual(expected);
    expect(expected.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('a second identical run against the warm cache hits more, exactly as computed offline', () => {
    const seen = new Set<string>();
    offline(seen);
    const expected = offline(seen);
    expect(cached.warm).toEqual(expected);
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(sum(cached.warm)).toBeGreaterThan(sum(cached.cold));
    // Warm: every eligible full block hits.
    cached.warm.forEach((c, i) => expect(c).toBe(Math.floor((rows[i].input_length - 1) / SIM_BLOCK) * SIM_BLOCK));
  });

  it('a salted run gets nothing from the warm cache (only its own reuse, as cold)', () => {
    expect(cached.salted).toEqual(cached.cold);
  });

  it('metrics and ground truth agree with the usage the client saw', async () => {
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(metricHits.cold).toBe(sum(cached.cold));
    expect(metricHits.warm - metricHits.cold).toBe(sum(cached.warm));
    expect(metricHits.salted - metricHits.warm).toBe(sum(cached.salted));
    await sim.stop();
    const recs = new Map(readGroundTruthFile(gtPath).map((r) => [r.id, r]));
    for (const name of ['cold', 'warm', 'salted'])
      cached[name].forEach((c, i) => expect(recs.get(`${name}-${i}`)!.cachedTokens).toBe(c));
  });
});
