import { describe, expect, it } from 'vitest';
import { ChunkGroups } from '../../src/sim/chunk-groups';

describe('simulator chunk groups (--tokens-per-chunk)', () => {
  it('sends every token at once with K = 1', () => {
    const g = new ChunkGroups(1);
    expect([0, 1, 2].map((i) => g.add(0, i, false))).toEqual([{ first: 0, count: 1 }, { first: 1, count: 1 }, { first: 2, count: 1 }]);
  });

  it('holds tokens until K are ready, or a token that must close the chunk, per choice', () => {
    const g = new ChunkGroups(3);
    expect(g.add(0, 0, false)).toBeUndefined();
    expect(g.add(1, 0, false)).toBeUndefined();
    expect(g.add(0, 1, false)).toBeUndefined();
    expect(g.add(0, 2, false)).toEqual({ first: 0, count: 3 });
    expect(g.add(1, 1, true)).toEqual({ first: 0, count: 2 }); // e.g. the last reasoning token
    expect(g.add(0, 3, true)).toEqual({ first: 3, count: 1 }); // the last token
  });
});
