import { describe, expect, it } from 'vitest';
import { SessionDraw, shuffledOrder } from '../../src/sessions/draw';

describe('SessionDraw', () => {
  it('draws every group once per round, in a seeded order', () => {
    const d = new SessionDraw(7, 42);
    const draws = Array.from({ length: 21 }, (_, k) => d.group(k));
    for (let r = 0; r < 3; r++) expect([...draws.slice(r * 7, r * 7 + 7)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Rounds are reshuffled, not repeated.
    expect(draws.slice(0, 7)).not.toEqual(draws.slice(7, 14));
  });

  it('is deterministic in (seed, k) whatever order draws are asked in (k6 instances share the sequence)', () => {
    const a = new SessionDraw(10, 7);
    const b = new SessionDraw(10, 7);
    const forward = Array.from({ length: 30 }, (_, k) => a.group(k));
    const backward = Array.from({ length: 30 }, (_, k) => b.group(29 - k)).reverse();
    expect(backward).toEqual(forward);
    expect(Array.from({ length: 10 }, (_, k) => new SessionDraw(10, 8).group(k))).not.toEqual(forward.slice(0, 10));
  });

  it('shuffles are permutations', () => {
    for (const n of [1, 2, 5, 100]) expect([...shuffledOrder(n, 3)].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(() => new SessionDraw(0, 1)).toThrow(/no sessions/);
  });
});
