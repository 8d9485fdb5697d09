import { describe, expect, it } from 'vitest';
import { loadRawEncoder, loadTokenizer } from '../../../src/tokenizers/packages';

describe('loadTokenizer', () => {
  it("counts whitespace words with 'words'", () => {
    const t = loadTokenizer('words');
    expect(t.countTokens('  one two\nthree\t')).toBe(3);
    expect(t.encode('a b a')).toHaveLength(3);
    expect(t.encode('a b a')[0]).toBe(t.encode('a')[0]);
  });

  it('gives the real encoding for any text, through the safe-word fast path or not', () => {
    const t = loadTokenizer('o200k');
    const raw = loadRawEncoder('o200k');
    for (const text of ['the cat sat', 'Hello, world!\n\nNew  lines and  double spaces', 'the <|endoftext|> cat', '', 'été']) {
      expect(t.encode(text)).toEqual(raw(text));
      expect(t.countTokens(text)).toBe(raw(text).length);
    }
    expect(loadTokenizer('o200k')).toBe(t); // loaded once
  });

  it('names the known tokenizers when asked for another', () => {
    expect(() => loadTokenizer('gpt2')).toThrow(/unknown tokenizer "gpt2" \(known: llama3, llama3_1, qwen3, deepseek_v3, o200k, cl100k, words\)/);
  });
});
