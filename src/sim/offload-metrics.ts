// /metrics series of the KV tiers (only when some tier is on, as vLLM exposes connector series
// only with a connector): vLLM's own names where vLLM has them (external prefix-cache queries
// and hits, which SimMetrics always exports; the offloading connector's flat
// vllm:kv_offload_{load,store}_{bytes,time,size} and, as vLLM 0.34 still does for CPU
// offloading, the deprecated kv_offload_total_bytes / total_time / size by transfer_type:
// vllm/distributed/kv_transfer/kv_connector/v1/offloading/metrics.py:39-47, 149-151, 495-515),
// and sim:kv_tier_* for what vLLM does not split: hits, blocks held, capacity and evictions by tier.

import { HIT_TIERS, type KvTiers, type TokensByTier } from './kv-tiers.js';
import type { KvCache } from './prefix-cache.js';
import { Counter, Gauge, Histogram, type Registry } from './prom-text.js';

/** vLLM's kv_offload_size buckets (bytes). */
export const OFFLOAD_SIZE_BUCKETS = [1e6, 5e6, 10e6, 20e6, 40e6, 60e6, 80e6, 100e6, 150e6, 200e6];
/** Load waits: from a few blocks over PCIe (sub-ms) to long prompts from disk (seconds). */
export const LOAD_WAIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class OffloadMetrics {
  private readonly externalQueries: Counter;
  private readonly externalHits: Counter;
  private readonly bytes: Counter;
  private readonly time: Counter;
  private readonly size: Histogram;
  private readonly tierHits: Counter;
  private readonly tierBlocks: Gauge;
  private readonly tierEvictions: Counter;
  private readonly loadWait: Histogram;

  constructor(
    r: Registry,
    private readonly L: string[],
    private readonly tiers: KvTiers,
    private readonly gpu: KvCache,
    private readonly timeScale: number,
    external: { queries: Counter; hits: Counter },
  ) {
    const names = ['model_name', 'engine'];
    this.externalQueries = external.queries;
    this.externalHits = external.hits;
    const flat = {
      load: {
        bytes: r.add(new Counter('vllm:kv_offload_load_bytes', 'Total bytes loaded from offload storage to GPU.', names)).child(L),
        time: r.add(new Counter('vllm:kv_offload_load_time', 'Total load time from offload storage to GPU, in seconds.', names)).child(L),
        size: r.add(new Histogram('vllm:kv_offload_load_size', 'Histogram of KV offload load operation size, in bytes.', names, OFFLOAD_SIZE_BUCKETS)).child(L),
      },
      store: {
        bytes: r.add(new Counter('vllm:kv_offload_store_bytes', 'Total bytes stored from GPU to offload storage.', names)).child(L),
        time: r.add(new Counter('vllm:kv_offload_store_time', 'Total store time from GPU to offload storage, in seconds.', names)).child(L),
        size: r.add(new Histogram('vllm:kv_offload_store_size', 'Histogram of KV offload store operation size, in bytes.', names, OFFLOAD_SIZE_BUCKETS)).child(L),
      },
    };
    const tt = [...names, 'transfer_type'];
    this.bytes = r.add(new Counter('vllm:kv_offload_total_bytes', 'Number of bytes offloaded by KV connector', tt));
    this.time = r.add(new Counter('vllm:kv_offload_total_time', 'Total time measured by all KV offloading operations', tt));
    this.size = r.add(new Histogram('vllm:kv_offload_size', 'Histogram of KV offload transfer size, in bytes.', tt, OFFLOAD_SIZE_BUCKETS));
    const tier = [...names, 'tier'];
    this.tierHits = r.add(new Counter('sim:kv_tier_hit_tokens', 'Simulator: prefix-cache hit tokens by the tier the blocks were in (gpu = vllm:prefix_cache_hits).', tier));
    this.tierBlocks = r.add(new Gauge('sim:kv_tier_blocks', 'Simulator: prefix-cache blocks held by each KV tier.', tier));
    const capacity = r.add(new Gauge('sim:kv_tier_capacity_blocks', 'Simulator: capacity of each KV tier, in blocks.', tier));
    this.tierEvictions = r.add(new Counter('sim:kv_tier_evictions', 'Simulator: cached blocks that left each tier for lack of room (moved down a tier, or dropped from the last).', tier));
    this.loadWait = r.add(new Histogram('sim:kv_load_wait_seconds', 'Simulator: how long a request waited for KV loads from lower tiers before computing.', names, LOAD_WAIT_BUCKETS));

    // Expose every series from the start.
    capacity.set([...L, 'gpu'], gpu.numBlocks);
    for (const t of tiers.tiers) capacity.set([...L, t.name], t.capacityBlocks);
    for (const t of this.tierNames()) {
      this.tierHits.inc([...L, t], 0);
      this.tierEvictions.inc([...L, t], 0);
    }
    this.loadWait.touch(L);
    // One bound handle per transfer type (created at 0, so exposed from the start): a store per
    // evicted block must stay cheap.
    // The flat series count transfers into the GPU (load) and out of it (store); tier-to-tier
    // moves (CPU_to_DISK) only appear by transfer_type.
    const handles = new Map(
      tiers.transferTypes().map((t) => [
        t,
        { bytes: this.bytes.child([...L, t]), time: this.time.child([...L, t]), size: this.size.child([...L, t]), flat: t.endsWith('_to_GPU') ? flat.load : t.startsWith('GPU_to_') ? flat.store : undefined },
      ]),
    );
    tiers.onTransfer = (type, bytes, ms) => {
      const h = handles.get(type)!;
      const seconds = (ms * this.timeScale) / 1000;
      for (const m of h.flat ? [h, h.flat] : [h]) {
        m.bytes.inc(bytes);
        m.time.inc(seconds);
        m.size.observe(bytes);
      }
    };
  }

  private tierNames(): string[] {
    return ['gpu', ...this.tiers.tiers.map((t) => t.name)];
  }

  /** A sequence's first admission: its hits by tier (the gpu share is vLLM's prefix_cache_hits). */
  admitted(promptTokens: number, byTier: TokensByTier, loadWaitMs: number): void {
    const L = this.L;
    this.externalQueries.inc(L, promptTokens);
    this.externalHits.inc(L, byTier.cpu + byTier.disk);
    for (const t of HIT_TIERS) if (byTier[t] > 0) this.tierHits.inc([...L, t], byTier[t]);
    if (loadWaitMs > 0) this.loadWait.observe(L, loadWaitMs / 1000);
  }

  /** Brings the gauges and the eviction counters up to date (at scrape time). */
  sync(): void {
    const L = this.L;
    const held = [this.gpu.cachedBlocks, ...this.tiers.tiers.map((_, i) => this.tiers.size(i))];
    const evicted = [this.gpu.evictions, ...this.tiers.evictions];
    this.tierNames().forEach((t, i) => {
      this.tierBlocks.set([...L, t], held[i]);
      const seen = this.tierEvictions.get([...L, t]);
      if (evicted[i] > seen) this.tierEvictions.inc([...L, t], evicted[i] - seen);
    });
  }
}
