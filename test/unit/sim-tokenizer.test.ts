import { describe, expect, it } from 'vitest';
import { WordsTokenizer, chatTemplateIds, fnv1a32, getTokenizer, registerTokenizer, tokenizerNames } from '../../src/sim/tokenizer.js';

describe('words tokenizer', () => {
  const tok = new WordsTokenizer();

  it('counts whitespace-separated words, as the harness builds prompts', () => {
    expect(tok.countTokens('alpha beta gamma')).toBe(3);
    expect(tok.countTokens('  alpha\tbeta\n\ngamma  ')).toBe(3);
    expect(tok.countTokens('')).toBe(0);
    expect(tok.countTokens('   ')).toBe(0);
    expect(tok.countTokens(Array.from({ length: 512 }, (_, i) => `w${i}`).join(' '))).toBe(512);
  });

  it('countTokens equals encode().length on awkward input', () => {
    const samples = ['a\u00a0b', 'a\u2003b c', 'x\u3000y\u2028z', 'é ü  ß', '\ufeffa b', 'tab\tnew\nline\rcr\vvt\fff', 'a\u0085b'];
    for (let i = 0; i < 200; i++) {
      let s = '';
      for (let j = 0; j < 30; j++) s += String.fromCharCode(Math.floor(((i * 7919 + j * 104729) % 9000) / 1) + 1);
      samples.push(s);
    }
    for (const s of samples) expect(tok.countTokens(s), JSON.stringify(s)).toBe(tok.encode(s).length);
  });

  it('gives each word a stable 32-bit id', () => {
    const a = tok.encode('hello world hello');
    expect(a).toHaveLength(3);
    expect(a[0]).toBe(a[2]);
    expect(a[0]).not.toBe(a[1]);
    expect(a[0]).toBe(fnv1a32('hello'));
    for (const id of a) expect(id >>> 0).toBe(id);
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c); // FNV-1a reference value
  });

  it('has a registry for other tokenizers', () => {
    expect(tokenizerNames()).toContain('words');
    expect(getTokenizer('words').name).toBe('words');
    expect(() => getTokenizer('nope')).toThrow(/unknown tokenizer "nope"/);
    registerTokenizer('chars-test', () => ({ name: 'chars-test', countTokens: (t) => t.length, encode: (t) => [...t].map((c) => c.charCodeAt(0)) }));
    expect(getTokenizer('chars-test').countTokens('abc')).toBe(3);
  });

  it('chat template ids are fixed and distinct', () => {
    expect(chatTemplateIds(0)).toEqual([]);
    const t = chatTemplateIds(4);
    expect(t).toEqual(chatTemplateIds(4));
    expect(new Set(t).size).toBe(4);
  });
});

describe('words tokenizer fast path', () => {
  it('matches split(/\\s+/) + fnv1a32 on every code unit class', async () => {
    const { isSpace } = await import('../../src/prompt/words.js');
    for (let c = 0; c < 0x10000; c++) expect(isSpace(c), c.toString(16)).toBe(/\s/.test(String.fromCharCode(c)));
    const tok = new WordsTokenizer();
    const text = 'héllo\u2003wörld \ud83d\ude00 emoji\u00a0nbsp\u3000ideo\tx\ny\u200bzw';
    expect(tok.encode(text)).toEqual(text.split(/\s+/).filter(Boolean).map((w) => fnv1a32(w)));
  });
});
