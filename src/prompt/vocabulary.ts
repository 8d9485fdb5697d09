// Vocabularies for hash-block prompts. `synthetic` suits servers that count whitespace words
// (the embedded simulator); token-exact vocabularies for real tokenizers are word lists
// shipped under data/vocab/ (one word per line).

import type { Vocabulary } from './hashblock';

const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'st'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou', 'ea'];

/** 4096 distinct pronounceable pseudo-words (three syllables each), no whitespace. */
export function syntheticVocabulary(): Vocabulary {
  const syllables: string[] = [];
  for (const o of ONSETS) for (const v of VOWELS) syllables.push(o + v); // 128 syllables
  const words: string[] = [];
  for (let i = 0; i < 4096; i++) {
    words.push(syllables[i % 128] + syllables[(i >> 7) % 32] + 'n');
  }
  return { name: 'synthetic', words };
}

/** Parses a word list file (one word per line, '#' comments and blank lines ignored). */
export function parseVocabulary(name: string, text: string): Vocabulary {
  const words: string[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const w = lines[i].trim();
    if (w === '' || w.startsWith('#')) continue;
    if (/\s/.test(w)) throw new Error(`vocabulary ${name}: line ${i + 1}: word "${w}" contains whitespace`);
    if (seen.has(w)) throw new Error(`vocabulary ${name}: line ${i + 1}: duplicate word "${w}"`);
    seen.add(w);
    words.push(w);
  }
  if (words.length < 256) throw new Error(`vocabulary ${name}: only ${words.length} words; at least 256 are needed`);
  return { name, words };
}
