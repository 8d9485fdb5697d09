// KV tiers below the GPU blocks (CPU memory, disk), after vLLM's KV offloading connector and
// LMCache: a prefix-cache block the GPU evicts moves down to the first tier; each tier is an LRU
// of block hashes with a capacity, and its least recently used block moves down again (the
// last tier drops it). A prompt block found in a tier is loaded back into a GPU block (and
// leaves the tier: tiers are exclusive, so GPU + tiers hold GPU + tier capacity), costing
// bytes / bandwidth + a fixed per-load latency instead of a prefill. Loads from one tier share
// its link: a load starts when the previous one has the link free. Stores are free in time
// (vLLM and LMCache offload asynchronously, off the critical path) but counted in bytes.
// Pure: times are passed in.

import { LruSet } from './lru-set.js';

/** Transfer media, named as vLLM's offloading connector names them (GPU, CPU, Disk). */
export type Medium = 'GPU' | 'CPU' | 'Disk';
export type TierName = 'cpu' | 'disk';
export const TIER_MEDIUM: Record<TierName, Medium> = { cpu: 'CPU', disk: 'Disk' };
/** Every place a prefix-cache hit can come from, for per-tier reports (gpu first). */
export const HIT_TIERS = ['gpu', 'cpu', 'disk'] as const;
export type HitTier = (typeof HIT_TIERS)[number];
export type TokensByTier = Record<HitTier, number>;

export interface TierSpec {
  name: TierName;
  capacityBlocks: number;
  /** Bandwidth of loads from (and stores into) this tier, GB/s (1e9 bytes per second). */
  gbps: number;
  /** Fixed cost of one load from this tier, model ms (transfer setup, I/O submission). */
  latencyMs: number;
}

export interface OffloadConfig {
  /** Top (cpu) first. */
  tiers: TierSpec[];
  /** Bytes of KV in one block of `blockSize` tokens (bytes per token x block size). */
  blockBytes: number;
}

/** `transferType` as vLLM labels it (`GPU_to_CPU`, `CPU_to_GPU`, ...); `ms` is model time. */
export type TransferListener = (transferType: string, bytes: number, ms: number) => void;

/** Model ms to move `bytes` at `gbps` GB/s (1 GB/s = 1e6 bytes per ms). */
export function transferMs(bytes: number, gbps: number): number {
  return bytes / (gbps * 1e6);
}

/** Model ms a load of `blocks` blocks from `tier` takes on an idle link. */
export function loadMs(tier: TierSpec, blocks: number, blockBytes: number): number {
  return blocks > 0 ? tier.latencyMs + transferMs(blocks * blockBytes, tier.gbps) : 0;
}

export interface LoadResult {
  /** When every block is in GPU memory (wall ms). */
  doneMs: number;
  /** Blocks loaded from each tier, in tier order. */
  blocks: number[];
}

export class KvTiers {
  readonly tiers: readonly TierSpec[];
  readonly blockBytes: number;
  /** Per tier: hashes in LRU order. */
  private readonly lru: LruSet[];
  /** Per tier: when its link is free for the next load (wall ms). */
  private readonly linkFreeMs: number[];
  /** Per tier: blocks that left it because it was full (moved down or dropped). */
  readonly evictions: number[];
  /** Per tier: the transfer types of a store into it and of a load from it (built once). */
  private readonly storeType: string[];
  private readonly loadType: string[];
  onTransfer?: TransferListener;

  constructor(cfg: OffloadConfig) {
    if (cfg.tiers.length === 0) throw new Error('KV offload needs at least one tier');
    for (const t of cfg.tiers) {
      if (!(t.capacityBlocks >= 1) || !Number.isInteger(t.capacityBlocks)) throw new Error(`${t.name} tier: capacity must be a positive whole number of blocks, got ${t.capacityBlocks}`);
      if (!(t.gbps > 0)) throw new Error(`${t.name} tier: bandwidth must be more than 0 GB/s, got ${t.gbps}`);
      if (!(t.latencyMs >= 0)) throw new Error(`${t.name} tier: latency must be at least 0 ms, got ${t.latencyMs}`);
    }
    if (!(cfg.blockBytes > 0)) throw new Error(`KV offload: bytes per block must be more than 0, got ${cfg.blockBytes}`);
    this.tiers = cfg.tiers;
    this.blockBytes = cfg.blockBytes;
    this.lru = cfg.tiers.map((t) => new LruSet(t.capacityBlocks + 1)); // + the one about to move down
    this.linkFreeMs = cfg.tiers.map(() => 0);
    this.evictions = cfg.tiers.map(() => 0);
    const media: Medium[] = ['GPU', ...cfg.tiers.map((t) => TIER_MEDIUM[t.name])];
    this.storeType = cfg.tiers.map((_, t) => `${media[t]}_to_${media[t + 1]}`);
    this.loadType = cfg.tiers.map((_, t) => `${media[t + 1]}_to_GPU`);
  }

  /** Every transfer type these tiers produce, as vLLM labels them: per tier, its store then its load. */
  transferTypes(): string[] {
    return this.storeType.flatMap((store, t) => [store, this.loadType[t]]);
  }

  /** Blocks held by tier `t`. */
  size(t: number): number {
    return this.lru[t].size;
  }

  /** Index of the tier holding `hash`, or -1. */
  tierOf(hash: number): number {
    for (let t = 0; t < this.lru.length; t++) if (this.lru[t].has(hash)) return t;
    return -1;
  }

  /** A block the GPU evicted: into the first tier as its most recent block. */
  store(hash: number): void {
    this.put(0, hash);
  }

  private put(t: number, hash: number): void {
    const m = this.lru[t];
    if (m.has(hash)) {
      m.add(hash); // already there (the GPU recomputed it): only fresher
      return;
    }
    for (let u = t + 1; u < this.lru.length; u++) this.lru[u].delete(hash); // one copy below the GPU
    m.add(hash);
    const tier = this.tiers[t];
    this.onTransfer?.(this.storeType[t], this.blockBytes, transferMs(this.blockBytes, tier.gbps));
    if (m.size <= tier.capacityBlocks) return;
    const victim = m.shift()!;
    this.evictions[t]++;
    if (t + 1 < this.lru.length) this.put(t + 1, victim);
  }

  /**
   * The run of `hashes` from index `from` that the tiers hold, as tier indices; it stops at the
   * first block no tier holds (chained hashes: later blocks cannot match without it).
   */
  lookup(hashes: readonly number[], from: number): number[] {
    const out: number[] = [];
    for (let i = from; i < hashes.length; i++) {
      const t = this.tierOf(hashes[i]);
      if (t < 0) break;
      out.push(t);
    }
    return out;
  }

  /**
   * Makes the blocks of a lookup the most recent of their tiers, the last block first so the
   * first ones (the shared start) go down last: vLLM's offload managers touch hits at lookup.
   */
  touch(hashes: readonly number[], from: number, tiersOf: readonly number[]): void {
    for (let i = tiersOf.length - 1; i >= 0; i--) {
      const m = this.lru[tiersOf[i]];
      if (m.has(hashes[from + i])) m.add(hashes[from + i]);
    }
  }

  /**
   * Loads `hashes[from + i]` from tier `tiersOf[i]` back into GPU memory: the blocks leave their
   * tiers; each tier's share waits for its link, then takes latency + bytes / bandwidth.
   * `scale` turns model ms into wall ms (--time-scale).
   */
  load(hashes: readonly number[], from: number, tiersOf: readonly number[], nowMs: number, scale: number): LoadResult {
    const blocks = this.tiers.map(() => 0);
    for (let i = 0; i < tiersOf.length; i++) {
      this.lru[tiersOf[i]].delete(hashes[from + i]);
      blocks[tiersOf[i]]++;
    }
    let doneMs = nowMs;
    for (let t = 0; t < this.tiers.length; t++) {
      if (blocks[t] === 0) continue;
      const tier = this.tiers[t];
      const bytes = blocks[t] * this.blockBytes;
      const busyMs = transferMs(bytes, tier.gbps);
      const start = Math.max(nowMs, this.linkFreeMs[t]);
      this.linkFreeMs[t] = start + busyMs * scale;
      doneMs = Math.max(doneMs, start + (busyMs + tier.latencyMs) * scale);
      this.onTransfer?.(this.loadType[t], bytes, busyMs);
    }
    return { doneMs, blocks };
  }
}
