// Block-level KV cache with automatic prefix caching, modelled on vLLM v1's BlockPool and
// KVCacheManager: a fixed pool of blocks of `blockSize` tokens; a full block that has been
// computed is cached under the hash of the whole token prefix it ends (chained block hashes);
// blocks nobody references sit in a free queue in LRU order and are evicted (their hash is
// dropped) only when a new block is needed. Pure: no clocks, no I/O.

import { NONE, SlotList } from './slot-list.js';

/**
 * Chained hash of one full block: a 53-bit integer from two 32-bit hashes (different seeds)
 * over the parent block's hash and the block's token ids. 53 bits keep collisions negligible
 * (about 1e-4 at a million distinct blocks), where a 32-bit key would collide by 100k blocks.
 */
export function blockHash(parent: number, ids: ArrayLike<number>, from: number, to: number): number {
  let a = 0x811c9dc5 ^ (parent >>> 0);
  let b = 0x9747b28c ^ Math.floor(parent / 4294967296);
  a = Math.imul(a, 0x01000193);
  b = Math.imul(b ^ 0x5bd1e995, 0x01000193);
  for (let i = from; i < to; i++) {
    const t = ids[i] >>> 0;
    a = Math.imul(a ^ (t & 0xffff), 0x01000193);
    a = Math.imul(a ^ (t >>> 16), 0x01000193);
    b = Math.imul(b ^ t, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // 32 bits of a, 21 bits of b.
  return (a >>> 0) + ((b >>> 11) & 0x1fffff) * 4294967296;
}

/** Hashes of every full block of `ids` (a chain: each depends on all tokens before it). */
export function blockHashes(ids: ArrayLike<number>, blockSize: number, count = Math.floor(ids.length / blockSize)): number[] {
  const out: number[] = [];
  let parent = 0;
  for (let i = 0; i < count; i++) {
    parent = blockHash(parent, ids, i * blockSize, (i + 1) * blockSize);
    out.push(parent);
  }
  return out;
}

/** A holder of KV blocks (a sequence). The cache keeps its block table here. */
export interface KvOwner {
  /** Physical block indices, in token order. */
  blocks: number[];
  /** Hashes of this owner's full blocks that are already cached (prefix of `blocks`). */
  numCachedBlocks: number;
}

export interface KvStats {
  numBlocks: number;
  freeBlocks: number;
  cachedBlocks: number;
  evictions: number;
  /** 1 - free/total, as vLLM's kv_cache_usage_perc (cached but unreferenced blocks count as free). */
  usage: number;
}

export class KvCache {
  readonly numBlocks: number;
  readonly blockSize: number;
  readonly prefixCaching: boolean;
  private readonly ref: Int32Array;
  private readonly hashOf: Float64Array;
  /** Blocks nobody references, least recently freed first (evicted first). */
  private readonly freeQueue: SlotList;
  private readonly byHash = new Map<number, number>();
  evictions = 0;
  /** Called with a cached block's hash and index when it is evicted (KV offload takes it). */
  onEvict?: (hash: number, block: number) => void;

  constructor(numBlocks: number, blockSize: number, prefixCaching = true) {
    if (!(numBlocks >= 1) || !Number.isInteger(numBlocks)) throw new Error(`kv blocks must be a positive integer, got ${numBlocks}`);
    if (!(blockSize >= 1) || !Number.isInteger(blockSize)) throw new Error(`block size must be a positive integer, got ${blockSize}`);
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.prefixCaching = prefixCaching;
    this.ref = new Int32Array(numBlocks);
    this.hashOf = new Float64Array(numBlocks).fill(NONE);
    this.freeQueue = new SlotList(numBlocks);
    for (let i = 0; i < numBlocks; i++) this.freeQueue.push(i);
  }

  get freeBlocks(): number {
    return this.freeQueue.length;
  }

  get cachedBlocks(): number {
    return this.byHash.size;
  }

  stats(): KvStats {
    return {
      numBlocks: this.numBlocks,
      freeBlocks: this.freeQueue.length,
      cachedBlocks: this.byHash.size,
      evictions: this.evictions,
      usage: 1 - this.freeQueue.length / this.numBlocks,
    };
  }

  /**
   * Longest run of leading `hashes` that are cached, as block indices (not yet referenced).
   * Callers pass only the blocks eligible for a hit (vLLM never hits the whole prompt: the last
   * token is always recomputed, so pass the hashes of the first floor((n-1)/blockSize) blocks).
   */
  lookup(hashes: readonly number[]): number[] {
    const hit: number[] = [];
    if (!this.prefixCaching) return hit;
    for (const h of hashes) {
      const b = this.byHash.get(h);
      if (b === undefined) break;
      hit.push(b);
    }
    return hit;
  }

  /** Blocks a sequence holding `owned` blocks needs to hold `tokens` tokens in total. */
  blocksNeeded(owned: number, tokens: number): number {
    return Math.max(0, Math.ceil(tokens / this.blockSize) - owned);
  }

  /**
   * Gives `owner` the cache-hit blocks `hit` (when it holds none yet) plus enough new blocks to
   * hold `tokens` tokens. All or nothing: returns false and changes nothing when the free pool
   * (after taking the hits out of it) is too small.
   */
  allocate(owner: KvOwner, tokens: number, hit: readonly number[] = []): boolean {
    let hitFromFree = 0;
    for (const b of hit) if (this.ref[b] === 0) hitFromFree++;
    const fresh = this.blocksNeeded(owner.blocks.length + hit.length, tokens);
    if (fresh > this.freeQueue.length - hitFromFree) return false;
    for (const b of hit) {
      if (this.ref[b] === 0) this.freeQueue.remove(b);
      this.ref[b]++;
      owner.blocks.push(b);
    }
    owner.numCachedBlocks += hit.length;
    for (let i = 0; i < fresh; i++) {
      const b = this.popHead();
      const h = this.hashOf[b];
      if (h !== NONE) {
        this.byHash.delete(h);
        this.hashOf[b] = NONE;
        this.evictions++;
        this.onEvict?.(h, b);
      }
      this.ref[b] = 1;
      owner.blocks.push(b);
    }
    return true;
  }

  /**
   * Registers the owner's full, computed blocks under their hashes (`hashes[i]` for block i),
   * from the first one not yet cached up to `count`. A block whose hash is already cached
   * by another block stays uncached (vLLM keeps the first copy).
   */
  cacheFull(owner: KvOwner, hashes: readonly number[], count = hashes.length): void {
    const n = Math.min(count, hashes.length, owner.blocks.length);
    if (!this.prefixCaching) {
      if (n > owner.numCachedBlocks) owner.numCachedBlocks = n;
      return;
    }
    for (let i = owner.numCachedBlocks; i < n; i++) {
      const b = owner.blocks[i];
      const h = hashes[i];
      if (this.hashOf[b] === NONE && !this.byHash.has(h)) {
        this.hashOf[b] = h;
        this.byHash.set(h, b);
      }
    }
    if (n > owner.numCachedBlocks) owner.numCachedBlocks = n;
  }

  /**
   * Releases every block of `owner`. Blocks whose reference count drops to zero join the free
   * queue tail in reverse order, so a sequence's last blocks are evicted before its first ones
   * (its shared prefix lives longest), as in vLLM.
   */
  release(owner: KvOwner): void {
    for (let i = owner.blocks.length - 1; i >= 0; i--) {
      const b = owner.blocks[i];
      if (--this.ref[b] === 0) this.freeQueue.push(b);
    }
    owner.blocks.length = 0;
    owner.numCachedBlocks = 0;
  }

  /** Drops every cached hash (like vLLM's reset_prefix_cache); blocks in use stay allocated. */
  reset(): void {
    for (const b of this.byHash.values()) this.hashOf[b] = NONE;
    this.byHash.clear();
  }

  private popHead(): number {
    const b = this.freeQueue.head;
    if (b === NONE) throw new Error('KV cache: no free block');
    this.freeQueue.remove(b);
    return b;
  }
}
