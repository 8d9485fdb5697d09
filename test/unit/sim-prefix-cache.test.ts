import { describe, expect, it } from 'vitest';
import { KvCache, type KvOwner, blockHashes } from '../../src/sim/prefix-cache.js';

const owner = (): KvOwner => ({ blocks: [], numCachedBlocks: 0 });
const ids = (prefix: string, n: number): number[] => Array.from({ length: n }, (_, i) => (prefix.charCodeAt(0) * 100000 + i) >>> 0);

describe('block hashes', () => {
  it('chain: a block hash depends on every token before it', () => {
    const a = ids('a', 64);
    const b = a.slice();
    b[0] = 999;
    const ha = blockHashes(a, 16);
    const hb = blockHashes(b, 16);
    expect(ha).toHaveLength(4);
    for (let i = 0; i < 4; i++) expect(hb[i]).not.toBe(ha[i]);
    const c = a.slice();
    c[40] = 7; // third block
    const hc = blockHashes(c, 16);
    expect(hc.slice(0, 2)).toEqual(ha.slice(0, 2));
    expect(hc[2]).not.toBe(ha[2]);
    expect(hc[3]).not.toBe(ha[3]);
  });

  it('only full blocks are hashed; keys are safe integers', () => {
    const h = blockHashes(ids('x', 47), 16);
    expect(h).toHaveLength(2);
    for (const v of h) expect(Number.isSafeInteger(v)).toBe(true);
  });

  it('has no collisions over 200k distinct blocks', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(blockHashes([i, i + 1, i * 3, 7], 4)[0]);
    expect(seen.size).toBe(200_000);
  });
});

describe('KvCache', () => {
  it('allocates, caches full blocks, and hits them after release', () => {
    const kv = new KvCache(10, 4);
    const p = ids('p', 12);
    const h = blockHashes(p, 4);
    const a = owner();
    expect(kv.allocate(a, 12)).toBe(true);
    expect(a.blocks).toHaveLength(3);
    expect(kv.freeBlocks).toBe(7);
    kv.cacheFull(a, h);
    expect(kv.cachedBlocks).toBe(3);
    kv.release(a);
    expect(kv.freeBlocks).toBe(10);
    expect(kv.stats().usage).toBe(0);
    // A new owner with the same prefix hits the cached blocks.
    const hit = kv.lookup(h.slice(0, 2));
    expect(hit).toHaveLength(2);
    const b = owner();
    expect(kv.allocate(b, 12, hit)).toBe(true);
    expect(b.blocks.slice(0, 2)).toEqual(hit);
    expect(b.numCachedBlocks).toBe(2);
    expect(kv.freeBlocks).toBe(7);
  });

  it('shares a cached block between two live owners (ref counts)', () => {
    const kv = new KvCache(6, 4);
    const p = ids('s', 8);
    const h = blockHashes(p, 4);
    const a = owner();
    kv.allocate(a, 8);
    kv.cacheFull(a, h);
    const b = owner();
    expect(kv.allocate(b, 8, kv.lookup(h.slice(0, 1)))).toBe(true);
    expect(kv.freeBlocks).toBe(3);
    kv.release(a);
    expect(kv.freeBlocks).toBe(4); // the shared block is still held by b
    kv.release(b);
    expect(kv.freeBlocks).toBe(6);
  });

  it('evicts the least recently freed unreferenced block first (LRU), never a referenced one', () => {
    const kv = new KvCache(4, 2);
    const seqs = ['a', 'b', 'c'].map((c) => ids(c, 2));
    const owners = seqs.map(() => owner());
    seqs.forEach((s, i) => {
      expect(kv.allocate(owners[i], 2)).toBe(true);
      kv.cacheFull(owners[i], blockHashes(s, 2));
    });
    kv.release(owners[0]); // a freed first
    kv.release(owners[2]); // then c; b stays referenced
    // 2 free-and-never-used + a + c are free; a new 3-block allocation evicts the untouched
    // block first, then a (LRU), and keeps c.
    const big = owner();
    expect(kv.allocate(big, 8)).toBe(false); // needs 4, only 3 free (b held)
    expect(kv.allocate(big, 4)).toBe(true); // takes the unused block and a's
    expect(kv.lookup(blockHashes(seqs[0], 2))).toEqual([]); // a evicted
    expect(kv.lookup(blockHashes(seqs[2], 2))).toHaveLength(1); // c kept
    expect(kv.lookup(blockHashes(seqs[1], 2))).toHaveLength(1); // b referenced, kept
    expect(kv.evictions).toBe(1);
  });

  it('a hit moves a block out of the LRU queue (touch)', () => {
    const kv = new KvCache(3, 2);
    const A = ids('a', 2);
    const B = ids('b', 2);
    const oa = owner();
    kv.allocate(oa, 2);
    kv.cacheFull(oa, blockHashes(A, 2));
    const ob = owner();
    kv.allocate(ob, 2);
    kv.cacheFull(ob, blockHashes(B, 2));
    kv.release(oa);
    kv.release(ob);
    // Reuse A: now A is referenced and B is the LRU candidate after the never-used block.
    const oa2 = owner();
    kv.allocate(oa2, 2, kv.lookup(blockHashes(A, 2)));
    kv.release(oa2); // A becomes most recently freed
    const x = owner();
    expect(kv.allocate(x, 4)).toBe(true); // unused block + B
    expect(kv.lookup(blockHashes(A, 2))).toHaveLength(1);
    expect(kv.lookup(blockHashes(B, 2))).toEqual([]);
  });

  it('allocation is all or nothing', () => {
    const kv = new KvCache(3, 4);
    const a = owner();
    expect(kv.allocate(a, 16)).toBe(false);
    expect(a.blocks).toEqual([]);
    expect(kv.freeBlocks).toBe(3);
  });

  it('without prefix caching nothing is ever hit', () => {
    const kv = new KvCache(8, 4, false);
    const p = ids('n', 8);
    const a = owner();
    kv.allocate(a, 8);
    kv.cacheFull(a, blockHashes(p, 4));
    kv.release(a);
    expect(kv.lookup(blockHashes(p, 4))).toEqual([]);
    expect(kv.cachedBlocks).toBe(0);
  });
});
