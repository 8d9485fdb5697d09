// Hash-block prompts: every prefix-block id of a trace becomes a deterministic block of exactly
// `blockSize` tokens, so the server's prefix cache sees exactly the reuse the trace recorded.
//
// A block is `blockSize` words from a vocabulary in which every word, preceded by a space, is a
// single token for the target tokenizer, and words are joined by single spaces; such text
// encodes to exactly one token per word and no token crosses a block border (see
// ../shared/reference/prompts.md). The first ID_WORDS words spell the block id in base
// |vocabulary| (shifted by the salt), which makes distinct ids give distinct blocks; the rest is
// a run of words cut from a fixed pseudo-random word pool at an offset hashed from (salt, id).
// Cutting from one pre-joined pool string costs a substring per block instead of a PRNG draw
// and a lookup per word: prompt synthesis runs inside k6's interpreter on the dispatch path,
// where per-word work was the harness's main CPU cost. Trimming a block to k tokens keeps its
// first k words.

import { hashString, mix32, mulberry32 } from './prng';

export interface Vocabulary {
  name: string;
  /** Words w such that " " + w is exactly one token (and w alone, for the first word). */
  words: readonly string[];
}

/** Words spent on spelling the block id: enough for ids up to |V|^ID_WORDS (2^48 with |V| = 4096). */
export const ID_WORDS = 4;

export interface PromptSpec {
  /** Prefix-block ids, in order. */
  blocks: readonly number[];
  blockSize: number;
  /** Exact number of tokens wanted. */
  tokens: number;
  /** Per-run salt ('' = none): a different salt gives different text for every block. */
  salt?: string;
  /**
   * Identity for the filler used when the blocks cover fewer tokens than wanted (traces without
   * hash ids, or rows whose blocks are short): filler is unique per request, never shared.
   */
  uniqueKey?: string;
  /**
   * Tokens the server adds around the text (chat template, BOS: see templates.ts), taken off
   * the END of the prompt so the server-side length is `tokens` while every earlier block, and
   * so every shared prefix, stays identical. At least one word is always sent.
   */
  overheadTokens?: number;
}

export class BlockTextCache {
  private readonly cache = new Map<string, string>();
  constructor(private readonly capacity = 256) {}

  get(key: string, make: () => string): string {
    const hit = this.cache.get(key);
    if (hit) {
      // Refresh recency: Map iteration order is insertion order.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const value = make();
    this.cache.set(key, value);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    return value;
  }
}

/** Words in the pool blocks are cut from; blocks longer than the pool wrap around. */
export const POOL_WORDS = 16384;

interface WordPool {
  text: string;
  /** starts[i] = char offset of word i in text; starts[POOL_WORDS] = text.length + 1. */
  starts: number[];
}

const pools = new Map<Vocabulary, WordPool>();

/** The vocabulary's word pool: POOL_WORDS words drawn with a fixed seed, joined by spaces. */
function wordPool(vocab: Vocabulary): WordPool {
  let pool = pools.get(vocab);
  if (pool) return pool;
  const rand = mulberry32(0x9e3779b9);
  const words = new Array<string>(POOL_WORDS);
  const starts = new Array<number>(POOL_WORDS + 1);
  let at = 0;
  for (let i = 0; i < POOL_WORDS; i++) {
    words[i] = vocab.words[rand() % vocab.words.length];
    starts[i] = at;
    at += words[i].length + 1;
  }
  starts[POOL_WORDS] = at;
  pool = { text: words.join(' '), starts };
  pools.set(vocab, pool);
  return pool;
}

/** Builds the vocabulary's word pool now rather than on the first prompt. */
export function warmPromptPool(vocab: Vocabulary): void {
  wordPool(vocab);
}

/** `count` consecutive pool words from `offset` (wrapping), joined by spaces. */
function poolRun(pool: WordPool, offset: number, count: number): string {
  const parts: string[] = [];
  while (count > 0) {
    const take = Math.min(count, POOL_WORDS - offset);
    parts.push(pool.text.substring(pool.starts[offset], pool.starts[offset + take] - 1));
    count -= take;
    offset = 0;
  }
  return parts.join(' ');
}

/** The first `take` words (default: all `size`) of one block, as text: deterministic in (vocabulary, salt, id, size). */
export function blockText(vocab: Vocabulary, id: number, size: number, salt = '', take = size): string {
  const v = vocab.words.length;
  if (!Number.isSafeInteger(id) || id < 0) throw new Error(`block id ${id} is not a non-negative integer`);
  if (id >= Math.pow(v, ID_WORDS)) throw new Error(`block id ${id} is too large for a ${v}-word vocabulary`);
  const saltHash = hashString(salt);
  const head: string[] = [];
  let rest = id;
  for (let i = 0; i < Math.min(take, ID_WORDS); i++) {
    // Digit i of the id, shifted by a salt-dependent offset so salted runs differ from word 0.
    const digit = rest % v;
    rest = Math.floor(rest / v);
    head.push(vocab.words[(digit + mix32(saltHash, i)) % v]);
  }
  const tail = take - head.length;
  if (tail <= 0) return head.join(' ');
  const seed = mix32(saltHash, mix32(id % 0x100000000, Math.floor(id / 0x100000000)));
  // The offset depends on the full block size, so a trimmed block is a prefix of the full one.
  const offset = mix32(seed, size) % POOL_WORDS;
  return head.join(' ') + ' ' + poolRun(wordPool(vocab), offset, tail);
}

/** The words of one block (blockText split): for tests and tools. */
export function blockWords(vocab: Vocabulary, id: number, size: number, salt = ''): string[] {
  return blockText(vocab, id, size, salt).split(' ');
}

/** Filler block ids live far above any trace id so they never collide with recorded blocks. */
function fillerBlockId(uniqueKey: string, n: number, vocabSize: number): number {
  const top = Math.pow(vocabSize, ID_WORDS);
  return top - 1 - (mix32(hashString(uniqueKey), n) % Math.floor(top / 2));
}

/** A prompt as (block id, words taken) pairs: recorded blocks, then request-unique filler. */
export function promptPlan(vocabSize: number, spec: PromptSpec): Array<[number, number]> {
  const { blockSize } = spec;
  const plan: Array<[number, number]> = [];
  let remaining = Math.max(Math.min(1, spec.tokens), spec.tokens - (spec.overheadTokens ?? 0));
  for (let i = 0; i < spec.blocks.length && remaining > 0; i++) {
    const take = Math.min(remaining, blockSize);
    plan.push([spec.blocks[i], take]);
    remaining -= take;
  }
  for (let n = 0; remaining > 0; n++) {
    const take = Math.min(remaining, blockSize);
    plan.push([fillerBlockId(spec.uniqueKey ?? '', n, vocabSize), take]);
    remaining -= take;
  }
  return plan;
}

/**
 * The prompt text for a request: its blocks in order, the last one trimmed, filler blocks
 * appended when the ids cover fewer tokens than wanted. Exactly `spec.tokens` words (less the
 * overhead).
 */
export function buildPrompt(vocab: Vocabulary, spec: PromptSpec, cache?: BlockTextCache): string {
  const { blockSize } = spec;
  const salt = spec.salt ?? '';
  const full = (id: number) => {
    const make = () => blockText(vocab, id, blockSize, salt);
    return cache ? cache.get(`${salt}\u0000${id}`, make) : make();
  };
  const parts: string[] = [];
  for (const [id, take] of promptPlan(vocab.words.length, spec)) {
    parts.push(take === blockSize ? full(id) : blockText(vocab, id, blockSize, salt, take));
  }
  return parts.join(' ');
}
