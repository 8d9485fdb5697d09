import { describe, expect, it } from 'vitest';
import { calibrate, CalibrationError, mapLimited, overheadOf, singleTokenWords, type TokenCounter } from '../../../src/prompt/calibrate';
import { buildPrompt } from '../../../src/prompt/hashblock';

/**
 * A fake tokenizer that splits at spaces: " w" is one token for words in `spaced`, otherwise
 * two; a bare word (the text's first) is one token when in `bare`. `mergeEvery` > 0 makes it
 * merge across words (one token fewer per that many words), as a tokenizer calibration cannot fix.
 */
function fakeCounter(spaced: Set<string>, bare: Set<string>, overhead: number, mergeEvery = 0): TokenCounter & { calls: number } {
  const count = (text: string): number => {
    const words = text.split(' ');
    let n = 0;
    words.forEach((w, i) => {
      if (w === '' && i === 0) return; // text with a leading space
      const first = i === 0;
      n += (first ? bare.has(w) : spaced.has(w)) ? 1 : 2;
    });
    return mergeEvery > 0 ? n - Math.floor(words.length / mergeEvery) : n;
  };
  const c = {
    calls: 0,
    async count(text: string) {
      c.calls++;
      return count(text);
    },
    async promptTokens(text: string) {
      return count(text) + overhead;
    },
  };
  return c;
}

const candidates = Array.from({ length: 600 }, (_, i) => `w${i}`);
// Every third word is two tokens with a space; every fifth is two tokens bare.
const spaced = new Set(candidates.filter((_, i) => i % 3 !== 0));
const bare = new Set(candidates.filter((_, i) => i % 5 !== 0));
const expected = candidates.filter((_, i) => i % 3 !== 0 && i % 5 !== 0);

describe('calibrating a vocabulary against a server tokenizer', () => {
  it('keeps exactly the words that are one token with a leading space and bare, and measures the template overhead', async () => {
    const progress: number[] = [];
    const c = await calibrate(fakeCounter(spaced, bare, 30), candidates, { onProgress: (d) => progress.push(d) });
    expect(c.words).toEqual(expected);
    expect(c.candidates).toBe(600);
    expect(c.overheadTokens).toBe(30);
    expect(c.checks).toEqual([{ words: 100, tokens: 100 }, { words: 1000, tokens: 1000 }]);
    expect(progress.at(-1)).toBe(600);
  });

  it('gives prompts that the fake server counts at exactly the recorded length once the overhead is taken off', async () => {
    const counter = fakeCounter(spaced, bare, 14);
    const c = await calibrate(counter, candidates);
    const vocab = { name: 'calibrated', words: c.words };
    for (const tokens of [1 + c.overheadTokens, 77, 300, 1234]) {
      const prompt = buildPrompt(vocab, { blocks: [3, 9, 3], blockSize: 64, tokens, overheadTokens: c.overheadTokens, uniqueKey: `k${tokens}` });
      expect(await counter.promptTokens(prompt)).toBe(tokens);
    }
  });

  it('asks the bare count only of the words that passed the spaced count', async () => {
    const counter = fakeCounter(spaced, bare, 0);
    await calibrate(counter, candidates, { checkSizes: [] });
    expect(counter.calls).toBe(600 + spaced.size + 1);
  });

  it('refuses a list with too few single-token words, saying what to pass', async () => {
    await expect(calibrate(fakeCounter(new Set(candidates.slice(0, 100)), bare, 0), candidates)).rejects.toThrow(/only \d+ of 600 .*--vocab FILE/);
  });

  it('refuses a tokenizer that merges across words (the check prompts are off)', async () => {
    const err = await calibrate(fakeCounter(spaced, bare, 0, 50), candidates).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalibrationError);
    expect((err as Error).message).toMatch(/100 calibrated words counts 98 tokens/);
  });

  it('overhead: prompt tokens minus the probe, never negative', () => {
    expect(overheadOf(62, 32)).toBe(30);
    expect(() => overheadOf(10, 32)).toThrow(/--template-tokens/);
  });

  it('selection and the bounded pool keep candidate order', async () => {
    expect(singleTokenWords(['a', 'b', 'c'], [1, 1, 2], new Map([['a', 1], ['b', 2], ['c', 1]]))).toEqual(['a']);
    let inFlight = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
