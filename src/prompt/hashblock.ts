// Hash-block prompts: every prefix-block id of a trace becomes a deterministic block of exactly
// `blockSize` tokens, so the server's prefix cache sees exactly the reuse the trace recorded.
//
// A block is `blockSize` words from a vocabulary in which every word, preceded by a space, is a
// single token for the target tokenizer, and words are joined by single spaces; such text
// encodes to exactly one token per word and no token crosses a block border (see
// ../shared/reference/prompts.md). The first ID_WORDS words spell the block id in base
// |vocabulary| (shifted by the salt), which makes distinct ids give distinct blocks; the rest are
// drawn by a PRNG seeded from (salt, id). Trimming a block to k tokens keeps its first k words.

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
}

export class BlockTextCache {
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly capacity = 256) {}

  get(key: string, make: () => string[]): string[] {
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

/** The words of one block: deterministic in (vocabulary, salt, id, size). */
export function blockWords(vocab: Vocabulary, id: number, size: number, salt = ''): string[] {
  const v = vocab.words.length;
  if (!Number.isSafeInteger(id) || id < 0) throw new Error(`block id ${id} is not a non-negative integer`);
  if (id >= Math.pow(v, ID_WORDS)) throw new Error(`block id ${id} is too large for a ${v}-word vocabulary`);
  const saltHash = hashString(salt);
  const rand = mulberry32(mix32(saltHash, mix32(id % 0x100000000, Math.floor(id / 0x100000000))));
  const out = new Array<string>(size);
  let rest = id;
  for (let i = 0; i < size; i++) {
    if (i < ID_WORDS) {
      // Digit i of the id, shifted by a salt-dependent offset so salted runs differ from word 0.
      const digit = rest % v;
      rest = Math.floor(rest / v);
      out[i] = vocab.words[(digit + mix32(saltHash, i)) % v];
    } else {
      out[i] = vocab.words[rand() % v];
    }
  }
  return out;
}

/** Filler block ids live far above any trace id so they never collide with recorded blocks. */
function fillerBlockId(uniqueKey: string, n: number, vocabSize: number): number {
  const top = Math.pow(vocabSize, ID_WORDS);
  return top - 1 - (mix32(hashString(uniqueKey), n) % Math.floor(top / 2));
}

/**
 * The prompt text for a request: its blocks in order, the last one trimmed, filler blocks
 * appended when the ids cover fewer tokens than wanted. Exactly `spec.tokens` words.
 */
export function buildPrompt(vocab: Vocabulary, spec: PromptSpec, cache?: BlockTextCache): string {
  const { blockSize, tokens } = spec;
  const salt = spec.salt ?? '';
  const parts: string[] = [];
  let remaining = tokens;
  const words = (id: number) => {
    const make = () => blockWords(vocab, id, blockSize, salt);
    return cache ? cache.get(`${salt}\u0000${id}`, make) : make();
  };
  for (let i = 0; i < spec.blocks.length && remaining > 0; i++) {
    const w = words(spec.blocks[i]);
    const take = Math.min(remaining, blockSize);
    parts.push((take === blockSize ? w : w.slice(0, take)).join(' '));
    remaining -= take;
  }
  for (let n = 0; remaining > 0; n++) {
    const w = words(fillerBlockId(spec.uniqueKey ?? '', n, vocab.words.length));
    const take = Math.min(remaining, blockSize);
    parts.push(w.slice(0, take).join(' '));
    remaining -= take;
  }
  return parts.join(' ');
}
