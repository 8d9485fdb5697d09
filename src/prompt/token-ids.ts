// Token-id prompts for /v1/completions (vLLM accepts `prompt: number[]`): the token ids of
// exactly the words buildPrompt writes, from a table shipped per tokenizer
// (data/vocab/ids/<vocabulary>.<tokenizer>.json, made by scripts/make-vocab.ts). The
// server tokenizes nothing and adds no BOS to ids, so the length is exact by construction.

import { buildPrompt, type BlockTextCache, type PromptSpec, type Vocabulary } from './hashblock';

export interface TokenIdTable {
  vocabulary: string;
  tokenizer: string;
  /** Number of words (must equal the vocabulary's). */
  words: number;
  /** Id of " w" for word i (every word but the prompt's first). */
  spaced: number[];
  /** Id of "w" for word i (the prompt's first word). */
  bare: number[];
}

/** Parses and checks a shipped id table (the text of the JSON file) against its word list. */
export function parseTokenIdTable(text: string, vocab: Vocabulary): TokenIdTable {
  const t = JSON.parse(text) as TokenIdTable;
  if (!Array.isArray(t.spaced) || !Array.isArray(t.bare) || t.spaced.length !== t.bare.length) {
    throw new Error(`token id table ${t.tokenizer ?? '?'}: "spaced" and "bare" must be arrays of equal length`);
  }
  if (t.spaced.length !== vocab.words.length) {
    throw new Error(`token id table ${t.vocabulary}.${t.tokenizer} has ${t.spaced.length} words, vocabulary ${vocab.name} ${vocab.words.length}: rebuild both with make-vocab`);
  }
  return t;
}

const positions = new WeakMap<Vocabulary, Map<string, number>>();

function wordPositions(vocab: Vocabulary): Map<string, number> {
  let m = positions.get(vocab);
  if (!m) {
    m = new Map(vocab.words.map((w, i) => [w, i]));
    positions.set(vocab, m);
  }
  return m;
}

/** The prompt of `spec` as token ids: the same words as buildPrompt, so the same blocks and length. */
export function promptTokenIds(vocab: Vocabulary, table: TokenIdTable, spec: PromptSpec, cache?: BlockTextCache): number[] {
  const text = buildPrompt(vocab, spec, cache);
  if (text === '') return [];
  const at = wordPositions(vocab);
  return text.split(' ').map((w, i) => {
    const k = at.get(w);
    if (k === undefined) throw new Error(`internal: word "${w}" is not in vocabulary ${vocab.name}`);
    return i === 0 ? table.bare[k] : table.spaced[k];
  });
}
