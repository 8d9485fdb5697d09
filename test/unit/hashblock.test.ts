import { describe, expect, it } from 'vitest';
import { blockText, blockWords, buildPrompt, BlockTextCache, ID_WORDS, POOL_WORDS } from '../../src/prompt/hashblock';
import { parseVocabulary, syntheticVocabulary } from '../../src/prompt/vocabulary';

const vocab = syntheticVocabulary();
const words = (s: string) => s.split(/\s+/).filter(Boolean);

describe('hash-block prompts', () => {
  it('gives each block exactly blockSize words, deterministically', () => {
    const a = blockWords(vocab, 42, 512);
    expect(a).toHaveLength(512);
    expect(blockWords(vocab, 42, 512)).toEqual(a);
    expect(a.every((w) => vocab.words.includes(w))).toBe(true);
  });

  it('gives distinct ids distinct blocks, even ids that differ only in high digits', () => {
    const v = vocab.words.length;
    const ids = [0, 1, 2, v, v + 1, v * v, v * v * v, 2 ** 40, 2 ** 40 + 1];
    const texts = new Set(ids.map((id) => blockWords(vocab, id, 16).join(' ')));
    expect(texts.size).toBe(ids.length);
    // The id is spelled in the first ID_WORDS words, so even the first few words differ.
    const heads = new Set(ids.map((id) => blockWords(vocab, id, ID_WORDS).join(' ')));
    expect(heads.size).toBe(ids.length);
  });

  it('builds prompts of exactly the requested length, trimming the last block', () => {
    for (const tokens of [1, 511, 512, 513, 1000, 6758]) {
      const blocks = Array.from({ length: Math.ceil(tokens / 512) }, (_, i) => i);
      expect(words(buildPrompt(vocab, { blocks, blockSize: 512, tokens }))).toHaveLength(tokens);
    }
  });

  it('shares exactly the common block prefix between requests', () => {
    const a = words(buildPrompt(vocab, { blocks: [0, 1, 2], blockSize: 64, tokens: 150 }));
    const b = words(buildPrompt(vocab, { blocks: [0, 1, 7], blockSize: 64, tokens: 180 }));
    expect(b.slice(0, 128)).toEqual(a.slice(0, 128));
    expect(b.slice(128, 150)).not.toEqual(a.slice(128, 150));
  });

  it('changes every block with a salt', () => {
    const plain = words(buildPrompt(vocab, { blocks: [0], blockSize: 16, tokens: 16 }));
    const salted = words(buildPrompt(vocab, { blocks: [0], blockSize: 16, tokens: 16, salt: 'run-2' }));
    expect(salted[0]).not.toBe(plain[0]);
    expect(salted).not.toEqual(plain);
  });

  it('fills past the recorded blocks with request-unique filler', () => {
    const a = words(buildPrompt(vocab, { blocks: [5], blockSize: 16, tokens: 40, uniqueKey: 'r1' }));
    const b = words(buildPrompt(vocab, { blocks: [5], blockSize: 16, tokens: 40, uniqueKey: 'r2' }));
    expect(a).toHaveLength(40);
    expect(a.slice(0, 16)).toEqual(b.slice(0, 16));
    expect(a.slice(16)).not.toEqual(b.slice(16));
    const none = words(buildPrompt(vocab, { blocks: [], blockSize: 16, tokens: 7, uniqueKey: 'r3' }));
    expect(none).toHaveLength(7);
  });

  it('returns the same text with and without the block cache', () => {
    const cache = new BlockTextCache(2);
    const spec = { blocks: [3, 4, 5, 3], blockSize: 32, tokens: 120 };
    const first = buildPrompt(vocab, spec, cache);
    expect(buildPrompt(vocab, spec, cache)).toBe(first);
    expect(buildPrompt(vocab, spec)).toBe(first);
  });

  it('trims a block to a prefix of the full block, also past the word pool', () => {
    for (const size of [16, 512, POOL_WORDS + 100]) {
      const full = blockWords(vocab, 77, size);
      expect(full).toHaveLength(size);
      for (const take of [1, ID_WORDS, ID_WORDS + 1, size - 1]) {
        expect(blockText(vocab, 77, size, '', take).split(' ')).toEqual(full.slice(0, take));
      }
    }
  });

  it('rejects ids it cannot spell', () => {
    expect(() => blockWords(vocab, -1, 4)).toThrow(/non-negative/);
    expect(() => blockWords(vocab, 4096 ** 4, 4)).toThrow(/too large/);
  });

  it('parses word lists and rejects bad ones', () => {
    const list = Array.from({ length: 300 }, (_, i) => `w${i}`).join('\n');
    expect(parseVocabulary('x', `# comment\n${list}\n`).words).toHaveLength(300);
    expect(() => parseVocabulary('x', `${list}\nw1`)).toThrow(/duplicate word "w1"/);
    expect(() => parseVocabulary('x', 'a\nb')).toThrow(/at least 256/);
  });
});
