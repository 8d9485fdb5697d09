// Tokenizers for the simulator: how many tokens a prompt has and which token ids feed the
// prefix cache. The default `words` tokenizer counts whitespace-separated words, so the
// harness's synthetic prompts (words joined by single spaces) count exactly. Real tokenizers
// (llama3, qwen3, o200k, ...) plug in behind the same interface via `registerTokenizer`.

import { loadTokenizer, TOKENIZER_NAMES } from '../tokenizers/packages';
import { hashString } from '../prompt/prng';
import { countWords, isSpace } from '../prompt/words';

export interface Tokenizer {
  readonly name: string;
  /** Number of tokens `text` encodes to. Must equal `encode(text).length`. */
  countTokens(text: string): number;
  /** Token ids of `text` (32-bit unsigned integers). */
  encode(text: string): number[];
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units: stable across runs and platforms. */
export const fnv1a32 = hashString;

/**
 * A token is a whitespace-separated word; its id is the FNV-1a hash of the word. One pass over
 * the text, no substrings: a 650 KB prompt (87k words) encodes in about a millisecond, so big
 * prompts do not stall the event loop that timestamps arrivals and token writes.
 */
export class WordsTokenizer implements Tokenizer {
  readonly name = 'words';

  countTokens(text: string): number {
    return countWords(text);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let h = 0;
    let inWord = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (isSpace(c)) {
        if (inWord) {
          ids.push(h >>> 0);
          inWord = false;
        }
      } else {
        if (!inWord) {
          h = 0x811c9dc5;
          inWord = true;
        }
        h = Math.imul(h ^ c, 0x01000193);
      }
    }
    if (inWord) ids.push(h >>> 0);
    return ids;
  }
}

const factories = new Map<string, () => Tokenizer>([['words', () => new WordsTokenizer()]]);

// The real tokenizers (src/tokenizers/packages.ts), loaded on first use, so `--tokenizer llama3`
// counts prompts the way a server running that model family would.
for (const name of TOKENIZER_NAMES) if (name !== 'words') factories.set(name, () => loadTokenizer(name));

/** Adds a tokenizer under `name` (used by `--tokenizer NAME`). */
export function registerTokenizer(name: string, make: () => Tokenizer): void {
  factories.set(name, make);
}

export function tokenizerNames(): string[] {
  return [...factories.keys()];
}

export function getTokenizer(name: string): Tokenizer {
  const make = factories.get(name);
  if (!make) throw new Error(`unknown tokenizer "${name}" (known: ${tokenizerNames().join(', ')})`);
  return make();
}

/** Ids of the `n` chat-template tokens prepended to every chat prompt (a fixed system header). */
export function chatTemplateIds(n: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(fnv1a32(`<|template:${i}|>`));
  return ids;
}
