import { describe, expect, it } from 'vitest';
import { buildPrompt, BlockTextCache } from '../../src/prompt/hashblock';
import { syntheticVocabulary } from '../../src/prompt/vocabulary';
import { BlockPrompt, sessionSalt, warmBlockCount, warmSalt } from '../../src/sessions/prompt';

const vocab = syntheticVocabulary();
const words = (s: string) => s.split(' ').length;
const ids = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('BlockPrompt', () => {
  it('gives the same text as buildPrompt, turn after turn, built incrementally', () => {
    const p = new BlockPrompt({ vocab, blockSize: 16, sessionSalt: 's1', warmSalt: 'w', warmBlocks: 0 });
    const turns = [
      { blocks: ids(1, 5), tokens: 90 }, // 5 blocks + 10 filler tokens
      { blocks: ids(1, 8), tokens: 128 },
      { blocks: [...ids(1, 3), 50, 51], tokens: 70 }, // context rewritten after block 3, last block trimmed
      { blocks: [...ids(1, 3), 50, 51, 52], tokens: 200 },
    ];
    let prev: number[] = [];
    turns.forEach((t, i) => {
      let keep = 0;
      while (keep < prev.length && keep < t.blocks.length && prev[keep] === t.blocks[keep]) keep++;
      const text = p.next(keep, t.blocks.slice(keep), t.tokens, `k${i}`);
      expect(text).toBe(buildPrompt(vocab, { blocks: t.blocks, blockSize: 16, tokens: t.tokens, salt: 's1', uniqueKey: `k${i}` }));
      expect(words(text)).toBe(t.tokens);
      prev = t.blocks;
    });
  });

  it('a turn that extends the previous one starts with its text (the server cache hit)', () => {
    const p = new BlockPrompt({ vocab, blockSize: 16, sessionSalt: 's', warmSalt: 'w', warmBlocks: 0 });
    const a = p.next(0, ids(1, 4), 70, 'a'); // 4 full blocks + 6 filler
    const b = p.next(4, ids(5, 6), 96, 'b');
    expect(b.startsWith(a.split(' ').slice(0, 64).join(' ') + ' ')).toBe(true);
    expect(() => p.next(99, [], 10, 'c')).toThrow(/keeps 99 blocks/);
  });

  it('the warm prefix is shared across sessions of one model; the rest is per session', () => {
    const cache = new BlockTextCache();
    const mk = (salt: string, model: string) => new BlockPrompt({ vocab, blockSize: 16, sessionSalt: salt, warmSalt: warmSalt('', model), warmBlocks: 2, warmCache: cache });
    const a = mk(sessionSalt({ salt: '', uniquePerSession: true, scopePerFile: true }, 0, 1), 'm').next(0, ids(1, 4), 64, 'x').split(' ');
    const b = mk(sessionSalt({ salt: '', uniquePerSession: true, scopePerFile: true }, 0, 2), 'm').next(0, ids(1, 4), 64, 'x').split(' ');
    const c = mk('other', 'sub-model').next(0, ids(1, 4), 64, 'x').split(' ');
    expect(a.slice(0, 32)).toEqual(b.slice(0, 32));
    expect(a.slice(32, 36)).not.toEqual(b.slice(32, 36));
    expect(c.slice(0, 4)).not.toEqual(a.slice(0, 4));
  });

  it('salts and warm block counts', () => {
    expect(sessionSalt({ salt: 'r', uniquePerSession: false, scopePerFile: false }, 3, 9)).toBe('r');
    expect(sessionSalt({ salt: 'r', uniquePerSession: true, scopePerFile: true }, 3, 9)).toBe('r|f3|s9');
    expect(warmBlockCount(64, { fraction: 0.5 }, 15_208)).toBe(118);
    expect(warmBlockCount(64, { fraction: 0 }, 15_208)).toBe(0);
    expect(warmBlockCount(64, { fraction: 0.5 }, undefined)).toBe(0);
    expect(warmBlockCount(64, { tokens: 1000, fraction: 0 }, undefined)).toBe(15);
  });
});
