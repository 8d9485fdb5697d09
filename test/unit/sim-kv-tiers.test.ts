// KV tiers below the GPU blocks: LRU eviction down the tiers, lookup and promotion back to the
// GPU, link-shared load time, the scheduler's use of them (a CPU hit waits its load instead of
// a prefill), and the flags that configure them.

import { describe, expect, it } from 'vitest';
import { loneFirstTokenMs } from '../../src/sim/cost-model.js';
import { KvTiers, type OffloadConfig, loadMs, transferMs } from '../../src/sim/kv-tiers.js';
import { LruSet } from '../../src/sim/lru-set.js';
import { OptionsError, parseOptions } from '../../src/sim/options.js';
import { PRESETS, kvBytesPerToken } from '../../src/sim/presets.js';
import { Scheduler, type SchedulerConfig, Seq } from '../../src/sim/scheduler.js';
import { usageJson } from '../../src/sim/sse.js';
import { parseUsage } from '../../src/openai/stream.js';

const MB = 1e6;
const twoTiers = (over: Partial<OffloadConfig> = {}): OffloadConfig => ({
  tiers: [
    { name: 'cpu', capacityBlocks: 2, gbps: 10, latencyMs: 0 },
    { name: 'disk', capacityBlocks: 2, gbps: 1, latencyMs: 0.5 },
  ],
  blockBytes: 2 * MB,
  ...over,
});

describe('LruSet', () => {
  it('keeps hashes in least-recently-used order: add refreshes, shift takes the oldest, slots are reused', () => {
    const l = new LruSet(3);
    for (const h of [5, 6, 7]) l.add(h);
    expect(() => l.add(8)).toThrow(/full/);
    l.add(5); // refresh: 6 is now the oldest
    expect(l.shift()).toBe(6);
    expect(l.delete(7)).toBe(true);
    expect(l.delete(7)).toBe(false);
    l.add(8);
    l.add(2 ** 52 + 1); // hashes up to 53 bits
    expect(l.size).toBe(3);
    expect([l.shift(), l.shift(), l.shift(), l.shift()]).toEqual([5, 8, 2 ** 52 + 1, undefined]);
    // Heavy churn through few slots stays consistent.
    for (let i = 0; i < 10_000; i++) {
      l.add(i);
      if (l.size === 3) l.shift();
    }
    expect([l.has(9998), l.has(9999), l.has(9997)]).toEqual([true, true, false]);
  });
});

describe('KvTiers', () => {
  it('evicted blocks move down the tiers in LRU order; the last tier drops its oldest', () => {
    const k = new KvTiers(twoTiers());
    const moves: string[] = [];
    k.onTransfer = (type) => moves.push(type);
    for (const h of [1, 2, 3]) k.store(h);
    expect([1, 2, 3].map((h) => k.tierOf(h))).toEqual([1, 0, 0]); // 1 was the CPU's oldest
    for (const h of [4, 5]) k.store(h);
    expect([1, 2, 3, 4, 5].map((h) => k.tierOf(h))).toEqual([-1, 1, 1, 0, 0]); // disk full: 1 dropped
    expect(k.evictions).toEqual([3, 1]);
    expect([k.size(0), k.size(1)]).toEqual([2, 2]);
    expect(moves.filter((m) => m === 'GPU_to_CPU')).toHaveLength(5);
    expect(moves.filter((m) => m === 'CPU_to_Disk')).toHaveLength(3);
  });

  it('storing a block a tier already holds only refreshes it (no copy, no transfer)', () => {
    const k = new KvTiers(twoTiers());
    let transfers = 0;
    k.onTransfer = () => transfers++;
    k.store(1);
    k.store(2);
    k.store(1); // 1 is now the most recent: 2 goes down first
    k.store(3);
    expect([1, 2, 3].map((h) => k.tierOf(h))).toEqual([0, 1, 0]);
    expect(transfers).toBe(4); // 1, 2, 3 to CPU and 2 to disk
  });

  it('lookup returns the run of held blocks from a position, stopping at the first miss', () => {
    const k = new KvTiers(twoTiers());
    for (const h of [10, 11, 12, 13]) k.store(h); // 10, 11 on disk; 12, 13 in CPU
    expect(k.lookup([9, 10, 11, 12, 99, 13], 1)).toEqual([1, 1, 0]);
    expect(k.lookup([9, 10], 0)).toEqual([]);
  });

  it('a load promotes the blocks out of their tiers and costs latency + bytes / bandwidth per tier, the link shared', () => {
    const k = new KvTiers(twoTiers());
    const loads: [string, number, number][] = [];
    k.onTransfer = (type, bytes, ms) => void (type.endsWith('_to_GPU') && loads.push([type, bytes, ms]));
    for (const h of [10, 11, 12, 13]) k.store(h);
    const r = k.load([10, 11, 12], 0, [1, 1, 0], 100, 1);
    expect(r.blocks).toEqual([1, 2]);
    // disk: 4 MB at 1 GB/s = 4 ms + 0.5 ms latency; CPU: 2 MB at 10 GB/s = 0.2 ms, in parallel.
    expect(r.doneMs).toBeCloseTo(104.5, 9);
    expect([10, 11, 12].map((h) => k.tierOf(h))).toEqual([-1, -1, -1]);
    expect(k.tierOf(13)).toBe(0);
    expect(loads).toEqual([
      ['CPU_to_GPU', 2 * MB, 0.2],
      ['Disk_to_GPU', 4 * MB, 4],
    ]);
    // The CPU link is busy until 100.2: a second load at 100.1 starts then; time scale 0.5 halves it.
    const again = k.load([13], 0, [0], 100.1, 0.5);
    expect(again.doneMs).toBeCloseTo(100.2 + 0.2 * 0.5, 9);
  });

  it('load time helpers: 1 GB/s moves 1 MB per ms', () => {
    expect(transferMs(5 * MB, 1)).toBe(5);
    expect(loadMs({ name: 'disk', capacityBlocks: 1, gbps: 2, latencyMs: 0.1 }, 3, MB)).toBeCloseTo(1.6, 12);
    expect(loadMs({ name: 'disk', capacityBlocks: 1, gbps: 2, latencyMs: 0.1 }, 0, MB)).toBe(0);
  });

  it('rejects capacities, bandwidths and latencies that make no sense', () => {
    const bad = (tier: object) => () => new KvTiers({ tiers: [{ name: 'cpu', capacityBlocks: 4, gbps: 1, latencyMs: 0, ...tier }], blockBytes: 1 });
    expect(bad({ capacityBlocks: 0 })).toThrow(/cpu tier: capacity/);
    expect(bad({ gbps: 0 })).toThrow(/cpu tier: bandwidth/);
    expect(bad({ latencyMs: -1 })).toThrow(/cpu tier: latency/);
  });

  it('names the transfers of each tier set as vLLM does (medium_to_medium)', () => {
    expect(new KvTiers(twoTiers()).transferTypes()).toEqual(['GPU_to_CPU', 'CPU_to_GPU', 'CPU_to_Disk', 'Disk_to_GPU']);
    expect(new KvTiers({ tiers: [{ name: 'disk', capacityBlocks: 1, gbps: 1, latencyMs: 0 }], blockBytes: 1 }).transferTypes()).toEqual(['GPU_to_Disk', 'Disk_to_GPU']);
  });
});

// One GPU of 20 blocks of 16 tokens; prompts of 160 tokens (10 blocks): two fit, a third evicts.
const cost = { stepBaseMs: 5, prefillTokenMs: 0.1, decodeSeqMs: 0.2, contextTokenMs: 0.001 };
const BLOCK_BYTES = 4 * MB;
const schedCfg = (offload?: OffloadConfig): SchedulerConfig => ({
  maxNumSeqs: 8,
  maxNumBatchedTokens: 512,
  blockSize: 16,
  kvBlocks: 20,
  prefixCaching: true,
  chunkedPrefill: true,
  preemption: 'recompute',
  cost,
  offload,
  timeScale: 1,
});
const cpuOnly = (blocks = 100): OffloadConfig => ({ tiers: [{ name: 'cpu', capacityBlocks: blocks, gbps: 4, latencyMs: 0.25 }], blockBytes: BLOCK_BYTES });
const doc = (tag: number, n = 160): number[] => Array.from({ length: n }, (_, i) => tag * 100_000 + i);

/**
 * Serves `prompt` alone from time `t0` on a virtual clock until its first token: returns the
 * sequence, the modelled time to the first token and when the sequence finished (1 token).
 */
function serveAlone(s: Scheduler, prompt: number[], t0: number): { seq: Seq; firstMs: number; endMs: number } {
  let first = -1;
  const seq = new Seq(prompt, 1, { token: (_q, _i, due) => void (first = due) });
  s.add(seq);
  let t = t0;
  for (let n = 0; first < 0 && n < 1000; n++) {
    const plan = s.schedule(t);
    const wake = plan.items.length === 0 ? s.nextWakeMs() : undefined; // only a load to wait out
    if (plan.items.length > 0) {
      t += plan.durationMs;
      s.complete(plan, t);
    } else if (wake !== undefined) t = wake;
    else throw new Error('stuck: nothing to run and nothing to wait for');
  }
  return { seq, firstMs: first - t0, endMs: t };
}

describe('scheduler with a CPU tier', () => {
  it('without tiers nothing changes: an evicted prefix is recomputed', () => {
    const s = new Scheduler(schedCfg());
    let t = serveAlone(s, doc(1), 0).endMs;
    for (const d of [2, 3]) t = serveAlone(s, doc(d), t).endMs; // evicts doc 1's blocks
    const again = serveAlone(s, doc(1), t);
    expect(again.seq.cachedTokens).toBe(0);
    expect(again.seq.cachedByTier).toBeUndefined();
    expect(s.tiers).toBeUndefined();
  });

  it('a prefix the GPU evicted hits in the CPU tier, waits its load instead of a prefill, and is promoted back', () => {
    const s = new Scheduler(schedCfg(cpuOnly()));
    const cold = serveAlone(s, doc(1), 0);
    let t = cold.endMs;
    for (const d of [2, 3]) t = serveAlone(s, doc(d), t).endMs;
    expect(s.tiers!.size(0)).toBeGreaterThanOrEqual(9); // doc 1's 9 eligible blocks went down
    const hit = serveAlone(s, doc(1), t);
    // 159 eligible tokens: 9 full blocks hit, all from the CPU tier.
    expect(hit.seq.cachedTokens).toBe(144);
    expect(hit.seq.cachedByTier).toEqual({ gpu: 0, cpu: 144, disk: 0 });
    const load = 0.25 + (9 * BLOCK_BYTES) / (4 * MB); // 9.25 ms
    expect(hit.seq.loadWaitMs).toBeCloseTo(load, 9);
    expect(hit.firstMs).toBeCloseTo(loneFirstTokenMs(cost, 512, 160, 144, load), 9);
    expect(cold.firstMs).toBeCloseTo(loneFirstTokenMs(cost, 512, 160, 0), 9);
    expect(hit.firstMs).toBeLessThan(cold.firstMs); // 9.25 + 6.76 ms against 21.16 ms
    expect(s.stats.externalHits).toBe(144);
    expect(s.stats.prefixHits).toBe(0);
    // Promoted: the blocks left the CPU tier and the next identical prompt hits the GPU, no wait.
    expect(s.tiers!.lookup(hit.seq.hashes, 0)).toEqual([]);
    const gpu = serveAlone(s, doc(1), hit.endMs);
    expect(gpu.seq.cachedByTier).toEqual({ gpu: 144, cpu: 0, disk: 0 });
    expect(gpu.seq.loadWaitMs).toBe(0);
    expect(gpu.firstMs).toBeCloseTo(loneFirstTokenMs(cost, 512, 160, 144), 9);
  });

  it('a CPU tier too small keeps only the most recently evicted blocks', () => {
    const s = new Scheduler(schedCfg(cpuOnly(12)));
    let t = 0;
    for (const d of [1, 2, 3, 4]) t = serveAlone(s, doc(d), t).endMs;
    expect(s.tiers!.size(0)).toBe(12);
    expect(s.tiers!.evictions[0]).toBeGreaterThan(0);
    // Doc 1 went down first, its last blocks first (a sequence frees its blocks last first), so
    // the CPU tier dropped all but its first two blocks: the shared start lives longest.
    const old = serveAlone(s, doc(1), t);
    expect(old.seq.cachedByTier).toEqual({ gpu: 0, cpu: 32, disk: 0 });
  });

  it("the blocks a hit's own allocation pushes out of a small tier are computed, not counted as hits", () => {
    // Doc 1's 10 blocks fill most of a 15-block CPU tier; serving it again evicts 10 GPU blocks
    // into the tier, which drops 5: its untouched last block, then its hits from the end.
    const s = new Scheduler(schedCfg(cpuOnly(15)));
    let t = 0;
    for (const d of [1, 2, 3]) t = serveAlone(s, doc(d), t).endMs;
    const again = serveAlone(s, doc(1), t);
    expect(again.seq.cachedByTier).toEqual({ gpu: 0, cpu: 80, disk: 0 });
    expect(again.seq.loadWaitMs).toBeCloseTo(0.25 + (5 * BLOCK_BYTES) / (4 * MB), 9);
    expect(s.stats.externalHits).toBe(80);
  });

  it('a sequence sharing blocks still being loaded by another waits for that load too', () => {
    const s = new Scheduler(schedCfg(cpuOnly()));
    let t = 0;
    for (const d of [1, 2, 3]) t = serveAlone(s, doc(d), t).endMs;
    const sink = { token: () => {} };
    const a = new Seq(doc(1), 4, sink);
    const b = new Seq(doc(1), 4, sink);
    s.add(a);
    s.add(b);
    s.schedule(t);
    // a loads 9 blocks from the CPU tier; b, admitted in the same step, hits them in the GPU.
    expect(a.cachedByTier).toEqual({ gpu: 0, cpu: 144, disk: 0 });
    expect(b.cachedByTier).toEqual({ gpu: 144, cpu: 0, disk: 0 });
    expect(b.pausedUntil).toBe(a.pausedUntil);
    expect(a.pausedUntil).toBeGreaterThan(t);
  });

  it('the predictor walks a long prompt in budget-sized chunks', () => {
    const m = { stepBaseMs: 1, prefillTokenMs: 0.01, decodeSeqMs: 0, contextTokenMs: 0.001 };
    // 1200 tokens, budget 512: chunks 512, 512, 176 attending over 512, 1024, 1200.
    expect(loneFirstTokenMs(m, 512, 1200, 0, 2)).toBeCloseTo(2 + 3 + 0.01 * 1200 + 0.001 * (512 + 1024 + 1200), 9);
  });
});

describe('KV tier flags', () => {
  const parse = (args: string[]) => {
    const o = parseOptions(args);
    if (o === 'help') throw new Error('help');
    return o.engine.offload;
  };

  it('off by default; GB become whole blocks of bytes-per-token x block size', () => {
    expect(parse([])).toBeUndefined();
    expect(kvBytesPerToken(PRESETS.small.kv)).toBe(128 * 1024);
    const o = parse(['--kv-cpu-gb', '1', '--kv-disk-blocks', '500', '--kv-disk-gbps', '3', '--kv-cpu-latency-ms', '0.05']);
    expect(o!.blockBytes).toBe(16 * 128 * 1024);
    expect(o!.tiers).toEqual([
      { name: 'cpu', capacityBlocks: Math.floor(1e9 / (16 * 128 * 1024)), gbps: 25, latencyMs: 0.05 },
      { name: 'disk', capacityBlocks: 500, gbps: 3, latencyMs: 0.1 },
    ]);
    expect(parse(['--kv-disk-gb', '2', '--kv-bytes-per-token', '1000', '--block-size', '10'])!.tiers).toEqual([{ name: 'disk', capacityBlocks: 200_000, gbps: 5, latencyMs: 0.1 }]);
  });

  it('a preset can bring tiers; a capacity of 0 turns one off', () => {
    const o = parse(['--preset', 'small-offload']);
    expect(o!.tiers.map((t) => t.name)).toEqual(['cpu', 'disk']);
    expect(o!.tiers[0].capacityBlocks).toBe(Math.floor(64e9 / (16 * 128 * 1024)));
    expect(parse(['--preset', 'small-offload', '--kv-cpu-gb', '0'])!.tiers.map((t) => t.name)).toEqual(['disk']);
    expect(parse(['--preset', 'small-offload', '--kv-cpu-gb', '0', '--kv-disk-blocks', '0'])).toBeUndefined();
  });

  it('errors name the flag and say what to do', () => {
    const cases: [string[], RegExp][] = [
      [['--kv-cpu-gb=-1'], /--kv-cpu-gb: must be at least 0/],
      [['--kv-cpu-gb', '1', '--kv-cpu-blocks', '5'], /--kv-cpu-gb and --kv-cpu-blocks both/],
      [['--kv-cpu-gbps', '10'], /--kv-cpu-gbps: the CPU tier is off; give it a capacity/],
      [['--kv-disk-latency-ms', '1'], /--kv-disk-latency-ms: the disk tier is off/],
      [['--kv-cpu-gb', '1', '--kv-cpu-gbps', '0'], /--kv-cpu-gbps: must be more than 0/],
      [['--kv-cpu-gb', '0.000001'], /--kv-cpu-gb 0.000001: holds no KV block of 2097152 bytes/],
      [['--kv-cpu-blocks', '2.5'], /--kv-cpu-blocks: expected a whole number/],
      [['--kv-cpu-gb', '1', '--no-prefix-cache'], /--no-prefix-cache: the CPU KV tier holds prefix-cache blocks/],
      [['--kv-bytes-per-token', '100'], /--kv-bytes-per-token: only KV tiers use it/],
    ];
    for (const [args, re] of cases) {
      expect(() => parseOptions(args), args.join(' ')).toThrow(OptionsError);
      expect(() => parseOptions(args), args.join(' ')).toThrow(re);
    }
  });
});

describe('cached tokens by tier on the wire', () => {
  it('usage keeps cached_tokens as the total and adds cached_tokens_by_tier only with tiers; the client reads both', () => {
    const plain = usageJson({ promptTokens: 100, completionTokens: 2, cachedTokens: 48 }, true);
    expect(plain.prompt_tokens_details).toEqual({ cached_tokens: 48 });
    const tiered = usageJson({ promptTokens: 100, completionTokens: 2, cachedTokens: 48, cachedByTier: { gpu: 16, cpu: 32, disk: 0 } }, true);
    expect(tiered.prompt_tokens_details).toEqual({ cached_tokens: 48, cached_tokens_by_tier: { gpu: 16, cpu: 32, disk: 0 } });
    expect(usageJson({ promptTokens: 1, completionTokens: 1, cachedTokens: 0, cachedByTier: { gpu: 0, cpu: 0, disk: 0 } }, false).prompt_tokens_details).toBeNull();
    expect(parseUsage(JSON.parse(JSON.stringify(tiered)))).toEqual({ promptTokens: 100, completionTokens: 2, cachedTokens: 48, cachedTokensByTier: { gpu: 16, cpu: 32, disk: 0 } });
    expect(parseUsage(plain)?.cachedTokensByTier).toBeUndefined();
    expect(parseUsage({ prompt_tokens: 1, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 0, cached_tokens_by_tier: { gpu: 'x' } } })?.cachedTokensByTier).toBeUndefined();
  });
});
