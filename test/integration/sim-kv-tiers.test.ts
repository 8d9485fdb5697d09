// KV tiers end to end: the engine CLI replays a generated Mooncake-format trace (6 documents of
// 4 x 512-token prefix blocks, each asked 3 times round-robin with its own suffix) one request
// at a time against the real simulator in four settings: a GPU tier big enough for every
// document (all-GPU), one too small for the working set with a CPU tier below it, the same with
// a disk tier instead, and no prefix cache. With the GPU tier too small, the repeated prefixes
// hit in the lower tier, and TTFT sits between all-GPU and no-cache, ordered as the cost model
// says: measured TTFTs are compared as ratios within the run, and each request's engine time
// with the cost model's prediction from its ground-truth record.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { percentile } from '../../src/metrics/formulas';
import type { RequestRecord } from '../../src/outputs/jsonl';
import { loneFirstTokenMs } from '../../src/sim/cost-model';
import { type GroundTruthRecord, scheduledTokenTimes } from '../../src/sim/ground-truth';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file';
import { type TierSpec, loadMs } from '../../src/sim/kv-tiers';
import { parsePrometheusText, sampleValue } from '../../src/sim/prom-parse';
import { PRESETS, kvBytesPerToken } from '../../src/sim/presets';
import { summarizeFile } from '../../src/sim/summary';
import { indexOf, readRecords, runCli, startSim, tempDir } from './support/processes';

const DOCS = 6;
const ROUNDS = 3;
const DOC_TOKENS = 4 * 512;
const SUFFIX_TOKENS = 64;
const PROMPT = DOC_TOKENS + SUFFIX_TOKENS;
const BLOCK = 16;
const BUDGET = 2048;
const SCALE = 0.5;
const COST = PRESETS.small.cost; // 15 ms steps, 0.15 ms per prompt token: prefill dominates
const BLOCK_BYTES = kvBytesPerToken(PRESETS.small.kv) * BLOCK; // 2 MiB
// 132 blocks a request; 300 hold two requests, so a round-robin over six documents misses.
const SMALL_GPU = ['--kv-blocks', '300'];
const CPU: TierSpec = { name: 'cpu', capacityBlocks: 2000, gbps: 5, latencyMs: 0 };
const DISK: TierSpec = { name: 'disk', capacityBlocks: 2000, gbps: 2, latencyMs: 0.1 };

const SETTINGS = {
  gpu: ['--kv-blocks', '2000'],
  cpu: [...SMALL_GPU, '--kv-cpu-blocks', String(CPU.capacityBlocks), '--kv-cpu-gbps', String(CPU.gbps)],
  disk: [...SMALL_GPU, '--kv-disk-blocks', String(DISK.capacityBlocks), '--kv-disk-gbps', String(DISK.gbps), '--kv-disk-latency-ms', String(DISK.latencyMs)],
  none: [...SMALL_GPU, '--no-prefix-cache'],
};
type Setting = keyof typeof SETTINGS;
const TIER_OF: Record<string, TierSpec> = { cpu: CPU, disk: DISK };

interface Run {
  records: RequestRecord[];
  truth: Map<number, GroundTruthRecord>;
  metrics: ReturnType<typeof parsePrometheusText>;
  groundTruth: string;
}
const runs = {} as Record<Setting, Run>;
const dir = tempDir('kv-tiers');
const trace = join(dir, 'docs.jsonl');

/** Request k: document k % DOCS in round floor(k / DOCS), with a suffix block of its own. */
function writeTrace(): void {
  const rows: string[] = [];
  for (let k = 0; k < DOCS * ROUNDS; k++) {
    const d = k % DOCS;
    const hashIds = [0, 1, 2, 3].map((b) => d * 10 + b).concat(1000 + k);
    rows.push(JSON.stringify({ timestamp: k, input_length: PROMPT, output_length: 2, hash_ids: hashIds }));
  }
  writeFileSync(trace, rows.join('\n') + '\n');
}

async function replay(setting: Setting): Promise<void> {
  const sim = await startSim(['--preset', 'small', '--max-model-len', '8192', '--time-scale', String(SCALE), '--quiet', ...SETTINGS[setting]], tempDir(`kv-${setting}`));
  try {
    const out = join(dir, `${setting}.jsonl`);
    const r = await runCli(
      ['replay', '--trace', trace, '--base-url', sim.url, '--model', 'sim-model', '--endpoint', 'completions', '--max-concurrency', '1', '--start-delay-ms', '100',
        '--run-id', setting, '--out', `jsonl=${out}`, '--summary-json', join(dir, `${setting}.summary.json`), '--no-scrape', '--quiet'],
      {},
      60_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const metrics = parsePrometheusText(await (await fetch(`${sim.url}/metrics`)).text());
    await sim.stop();
    const truth = new Map(readGroundTruthFile(sim.groundTruth).map((g) => [indexOf(g.id), g]));
    runs[setting] = { records: readRecords(out), truth, metrics, groundTruth: sim.groundTruth };
  } finally {
    await sim.stop();
  }
}

beforeAll(async () => {
  writeTrace();
  for (const s of Object.keys(SETTINGS) as Setting[]) await replay(s);
}, 120_000);

const warm = (k: number): boolean => k >= DOCS;
const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

/** The cost model's engine time (model ms) of a request alone: its load, then its uncached prompt. */
function predictedMs(g: GroundTruthRecord): number {
  let load = 0;
  for (const [tier, tokens] of Object.entries(g.cachedTokensByTier ?? {}))
    if (tier !== 'gpu' && tokens > 0) load = Math.max(load, loadMs(TIER_OF[tier], tokens / BLOCK, BLOCK_BYTES));
  return loneFirstTokenMs(COST, BUDGET, g.promptTokens, g.cachedTokens, load);
}

/** Wall ms from admission to the first token's scheduled time (the model, without write lateness). */
const engineMs = (g: GroundTruthRecord): number => scheduledTokenTimes(g)[0] - g.queueExitMs!;

describe('KV tiers below a GPU tier too small for the working set', () => {
  it('every request succeeded and reused its document as the setting allows', () => {
    for (const s of Object.keys(SETTINGS) as Setting[]) {
      const { records } = runs[s];
      expect(records, s).toHaveLength(DOCS * ROUNDS);
      for (const r of records) {
        expect(r.ok, `${s} ${r.id}: ${r.reason}`).toBe(true);
        expect(r.promptTokens).toBe(PROMPT);
        // The whole document (its 128 full blocks) is reused on the 2nd and 3rd asks, never the suffix.
        expect(r.cachedTokens, `${s} ${r.id}`).toBe(s !== 'none' && warm(indexOf(r.id)) ? DOC_TOKENS : 0);
      }
    }
  });

  it('the repeated prefixes hit in the lower tier, in usage, the JSONL records and the ground truth', () => {
    for (const s of ['cpu', 'disk'] as const) {
      for (const r of runs[s].records) {
        const k = indexOf(r.id);
        const expected = { gpu: 0, cpu: 0, disk: 0, [s]: warm(k) ? DOC_TOKENS : 0 };
        expect(r.cachedTokensByTier, `${s} ${r.id}`).toEqual(expected);
        const g = runs[s].truth.get(k)!;
        expect(g.cachedTokensByTier).toEqual(expected);
        expect(g.cachedTokens).toBe(r.cachedTokens);
        // The wait the record gives is the load time of the tier, scaled (one request at a time: an idle link).
        expect(g.kvLoadMs!).toBeCloseTo(warm(k) ? loadMs(TIER_OF[s], DOC_TOKENS / BLOCK, BLOCK_BYTES) * SCALE : 0, 2);
      }
    }
    // Without tiers nothing about tiers appears anywhere.
    for (const s of ['gpu', 'none'] as const) {
      expect(runs[s].records.every((r) => r.cachedTokensByTier === undefined)).toBe(true);
      expect([...runs[s].truth.values()].every((g) => g.cachedTokensByTier === undefined && g.kvLoadMs === undefined)).toBe(true);
    }
    expect(runs.gpu.records.filter((r) => warm(indexOf(r.id))).every((r) => r.cachedTokens === DOC_TOKENS)).toBe(true);
  });

  it('the ground-truth summary totals the cached tokens by tier', async () => {
    const hits = DOC_TOKENS * DOCS * (ROUNDS - 1);
    expect((await summarizeFile(runs.cpu.groundTruth)).cachedTokensByTier).toEqual({ gpu: 0, cpu: hits, disk: 0 });
    expect((await summarizeFile(runs.gpu.groundTruth)).cachedTokensByTier).toBeUndefined();
  });

  it('/metrics counts the hits by tier with vLLM names and sim:kv_tier_*', () => {
    const hits = DOC_TOKENS * DOCS * (ROUNDS - 1);
    const v = (s: Setting, name: string, labels: Record<string, string> = {}) => sampleValue(runs[s].metrics, name, labels);
    for (const [s, medium] of [['cpu', 'CPU'], ['disk', 'Disk']] as const) {
      expect(v(s, 'vllm:prefix_cache_hits_total')).toBe(0);
      expect(v(s, 'vllm:external_prefix_cache_hits_total')).toBe(hits);
      expect(v(s, 'vllm:external_prefix_cache_queries_total')).toBe(PROMPT * DOCS * ROUNDS);
      expect(v(s, 'vllm:prefix_cache_queries_total')).toBe(PROMPT * DOCS * ROUNDS);
      expect(v(s, 'sim:kv_tier_hit_tokens_total', { tier: s })).toBe(hits);
      expect(v(s, 'sim:kv_tier_hit_tokens_total', { tier: 'gpu' })).toBe(0);
      expect(v(s, 'vllm:prompt_tokens_by_source_total', { source: 'external_kv_transfer' })).toBe(hits);
      expect(v(s, 'vllm:prompt_tokens_by_source_total', { source: 'local_cache_hit' })).toBe(0);
      expect(v(s, 'vllm:kv_offload_total_bytes_total', { transfer_type: `${medium}_to_GPU` })).toBe((hits / BLOCK) * BLOCK_BYTES);
      expect(v(s, 'vllm:kv_offload_total_bytes_total', { transfer_type: `GPU_to_${medium}` })).toBeGreaterThan(0);
      expect(v(s, 'sim:kv_tier_capacity_blocks', { tier: s })).toBe(2000);
      expect(v(s, 'sim:kv_tier_evictions_total', { tier: 'gpu' })).toBeGreaterThan(0);
      expect(v(s, 'sim:kv_load_wait_seconds_count')).toBe(DOCS * (ROUNDS - 1));
    }
    expect(v('gpu', 'vllm:prefix_cache_hits_total')).toBe(hits);
    expect(v('gpu', 'vllm:external_prefix_cache_hits_total')).toBe(0); // vLLM 0.34 exports it without a connector too
    expect(v('gpu', 'sim:kv_tier_hit_tokens_total', { tier: 'gpu' })).toBeUndefined();
  });

  it('TTFT sits between all-GPU and no-cache, in the cost model order and ratios', () => {
    const ttft = {} as Record<Setting, number>;
    const predicted = {} as Record<Setting, number>;
    for (const s of Object.keys(SETTINGS) as Setting[]) {
      const w = runs[s].records.filter((r) => warm(indexOf(r.id)));
      ttft[s] = median(w.map((r) => r.ttftMs!));
      predicted[s] = median(w.map((r) => predictedMs(runs[s].truth.get(indexOf(r.id))!) * SCALE));
    }
    console.log(`warm TTFT median ms (predicted engine time): ${(Object.keys(ttft) as Setting[]).map((s) => `${s} ${ttft[s].toFixed(1)} (${predicted[s].toFixed(1)})`).join(', ')}`);
    expect(predicted.gpu).toBeLessThan(predicted.cpu);
    expect(predicted.cpu).toBeLessThan(predicted.disk);
    expect(predicted.disk).toBeLessThan(predicted.none);
    expect(ttft.gpu).toBeLessThan(ttft.cpu);
    expect(ttft.cpu).toBeLessThan(ttft.disk);
    expect(ttft.disk).toBeLessThan(ttft.none);
    // Where each lower tier sits between all-GPU (0) and no-cache (1): as the model puts it.
    for (const s of ['cpu', 'disk'] as const) {
      const measured = (ttft[s] - ttft.gpu) / (ttft.none - ttft.gpu);
      const model = (predicted[s] - predicted.gpu) / (predicted.none - predicted.gpu);
      console.log(`${s}: position between all-GPU and no-cache measured ${measured.toFixed(3)}, model ${model.toFixed(3)}`);
      expect(Math.abs(measured - model)).toBeLessThan(0.08);
    }
  });

  it("each request's engine time follows the cost model's prediction from its ground truth", () => {
    for (const s of Object.keys(SETTINGS) as Setting[]) {
      const ratios = [...runs[s].truth.values()].map((g) => engineMs(g) / (predictedMs(g) * SCALE));
      const m = median(ratios);
      console.log(`${s}: engine time / prediction median ${m.toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}`);
      expect(m).toBeGreaterThan(0.95);
      expect(m).toBeLessThan(1.1);
    }
  });
});
