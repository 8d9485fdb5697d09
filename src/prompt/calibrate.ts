// Calibrating the prompt vocabulary against a server's own tokenizer (--calibrate): the shipped
// word lists are exact only for the tokenizers they were made with, so for any other model the
// server counts a candidate list itself. A word is kept when it is exactly one token both with a
// leading space (every word but a prompt's first) and bare (the first); the chat template's
// overhead is measured once as the server's prompt_tokens of a calibrated probe minus the probe's
// own count. Pure apart from the counter it is given, so the logic is unit-tested with a fake.

import { blockText, type Vocabulary } from './hashblock';

/** What calibration asks of a server (src/calibration/tokenize-endpoint.ts talks HTTP). */
export interface TokenCounter {
  /** Tokens of `text` by the server's tokenizer, no special tokens (BOS) added. */
  count(text: string): Promise<number>;
  /** Prompt tokens the server counts for a request whose prompt (chat: a lone user message) is `text`. */
  promptTokens(text: string): Promise<number>;
}

export interface Calibration {
  /** Candidate words that are one token with a leading space and bare, in candidate order. */
  words: string[];
  candidates: number;
  /** Tokens the server adds around a prompt (chat template, BOS) on the measured endpoint. */
  overheadTokens: number;
  /** Prompts of calibrated words that were counted to check that words do not merge. */
  checks: Array<{ words: number; tokens: number }>;
}

export interface CalibrateOptions {
  /** Count requests in flight at once (default 8). */
  concurrency?: number;
  /** Called now and then with (counted, total) while the words are counted. */
  onProgress?: (done: number, total: number) => void;
  /** Lengths (in words) of the prompts that check the kept words (default 100 and 1000). */
  checkSizes?: readonly number[];
}

/** A calibration that cannot give exact prompts: the message says why and what to do. */
export class CalibrationError extends Error {}

/** The vocabulary needs this many words (src/prompt/vocabulary.ts). */
export const MIN_WORDS = 256;

/** Runs `fn` over `items` with at most `concurrency` calls in flight; results in item order. */
export async function mapLimited<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}

/** The words to keep, given each candidate's token count with a leading space and bare. */
export function singleTokenWords(candidates: readonly string[], spaced: readonly number[], bare: ReadonlyMap<string, number>): string[] {
  return candidates.filter((w, i) => spaced[i] === 1 && bare.get(w) === 1);
}

/** The template overhead from a probe's server-side prompt tokens and its own token count. */
export function overheadOf(promptTokens: number, probeTokens: number): number {
  const overhead = promptTokens - probeTokens;
  if (!Number.isInteger(overhead) || overhead < 0) {
    throw new CalibrationError(`the server counted ${promptTokens} prompt tokens for a ${probeTokens}-token probe: its template cannot be measured this way (pass --template-tokens N instead of --calibrate)`);
  }
  return overhead;
}

/** The prompt text used to check and probe: a block of `n` words, as buildPrompt writes them. */
export function probeText(vocab: Vocabulary, id: number, n: number): string {
  return blockText(vocab, id, n);
}

export async function calibrate(counter: TokenCounter, candidates: readonly string[], o: CalibrateOptions = {}): Promise<Calibration> {
  const concurrency = o.concurrency ?? 8;
  const total = candidates.length;
  const progress = (base: number) => (o.onProgress ? (d: number) => o.onProgress!(base + d, total) : undefined);
  const spaced = await mapLimited(candidates, concurrency, (w) => counter.count(' ' + w), progress(0));
  const single = candidates.filter((_, i) => spaced[i] === 1);
  const bareCounts = await mapLimited(single, concurrency, (w) => counter.count(w));
  const words = singleTokenWords(candidates, spaced, new Map(single.map((w, i) => [w, bareCounts[i]])));
  if (words.length < MIN_WORDS) {
    throw new CalibrationError(`only ${words.length} of ${total} candidate words are one token on this server (at least ${MIN_WORDS} are needed): pass a longer candidate list with --vocab FILE`);
  }
  const vocab: Vocabulary = { name: 'calibrated', words };
  // Words that are one token alone must stay one token each when joined by spaces: true for
  // tokenizers that split at spaces before merging (BPE of GPT-2, Llama 3, Qwen, SmolLM, ...).
  const checks: Calibration['checks'] = [];
  for (const [i, n] of (o.checkSizes ?? [100, 1000]).entries()) {
    const tokens = await counter.count(probeText(vocab, 1000 + i, n));
    checks.push({ words: n, tokens });
    if (tokens !== n) {
      throw new CalibrationError(`a prompt of ${n} calibrated words counts ${tokens} tokens on this server: its tokenizer merges across words, so --calibrate cannot make prompts exact for it`);
    }
  }
  const probe = probeText(vocab, 7, 32);
  const overheadTokens = overheadOf(await counter.promptTokens(probe), await counter.count(probe));
  return { words, candidates: total, overheadTokens, checks };
}
