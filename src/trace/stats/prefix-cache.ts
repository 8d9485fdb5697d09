// What a server's prefix cache could reuse, from the block ids alone: a request hits the
// leading run of its blocks already cached (block ids are chained hashes, so a block only
// counts when all before it match), then its blocks are cached. Two caches run side by side:
// an infinite one (the most the trace allows) and an LRU of a fixed number of blocks.

import { BoundedMap } from '../bounded-map';

export interface CacheTotals {
  inputTokens: number;
  hitTokens: number;
}

export class PrefixCacheModel {
  private readonly lru?: BoundedMap<number, true>;
  private readonly seen = new Set<number>();
  readonly infinite: CacheTotals = { inputTokens: 0, hitTokens: 0 };
  readonly bounded: CacheTotals = { inputTokens: 0, hitTokens: 0 };

  constructor(
    readonly blockSize: number,
    /** LRU capacity in blocks; 0 = no bounded cache. */
    readonly capacityBlocks: number,
  ) {
    if (capacityBlocks > 0) this.lru = new BoundedMap(capacityBlocks);
  }

  /**
   * Accounts one request whose prompt is `inputTokens` long and starts with these blocks;
   * afterwards `cached` (default: the same blocks) are in the cache.
   */
  add(blocks: readonly number[], inputTokens: number, cached: readonly number[] = blocks): void {
    this.infinite.inputTokens += inputTokens;
    this.infinite.hitTokens += Math.min(inputTokens, this.leadingHits(blocks, (b) => this.seen.has(b)) * this.blockSize);
    for (const b of cached) this.seen.add(b);
    const lru = this.lru;
    if (!lru) return;
    this.bounded.inputTokens += inputTokens;
    this.bounded.hitTokens += Math.min(inputTokens, this.leadingHits(blocks, (b) => lru.has(b)) * this.blockSize);
    for (const b of cached) lru.set(b, true); // setting again makes the block the most recent
  }

  private leadingHits(blocks: readonly number[], cached: (b: number) => boolean): number {
    let n = 0;
    while (n < blocks.length && cached(blocks[n])) n++;
    return n;
  }

  /** Distinct blocks seen: the memory an infinite cache (and this model) needs. */
  get distinctBlocks(): number {
    return this.seen.size;
  }
}

export function hitRate(t: CacheTotals): number {
  return t.inputTokens > 0 ? t.hitTokens / t.inputTokens : NaN;
}
