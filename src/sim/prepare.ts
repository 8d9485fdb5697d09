// Preparing one completion request: the body's JSON parsed, its prompts tokenized, the request
// validated and, with the prefix cache on, each prompt's full-block hashes computed. The same
// code runs in the server's thread (--prep-threads 0) or in a prep worker thread; the outcome
// is plain data either way, so it crosses a thread boundary (see prep-wire.ts).

import { ApiError } from './errors.js';
import { blockHashes } from './prefix-cache.js';
import { getTokenizer } from './tokenizer.js';
import { type Endpoint, type SimRequestSpec, type ValidateContext, parseJsonBody, validateRequest } from './validate.js';

/** What a thread needs to prepare requests: the validation settings by name (serializable). */
export interface PrepSettings extends Omit<ValidateContext, 'tokenizer'> {
  tokenizer: string;
  /** Tokens per KV block, or 0 when the prefix cache is off (no hashes needed). */
  hashBlockSize: number;
}

export interface PreparedRequest {
  spec: SimRequestSpec;
  /** Chained hashes of each prompt's full blocks (prefix cache on), else undefined. */
  promptHashes?: number[][];
  /** Microseconds spent parsing, tokenizing, validating and hashing. */
  prepUs: number;
}

export type PrepOutcome = { ok: true; prepared: PreparedRequest } | { ok: false; error: ApiError; stream: boolean };

export type PrepareFn = (endpoint: Endpoint, body: string) => PrepOutcome;

/** A preparer for `settings`; the tokenizer is loaded once, here. */
export function makePrepare(settings: PrepSettings): PrepareFn {
  const { hashBlockSize, tokenizer, ...rest } = settings;
  const vctx: ValidateContext = { ...rest, tokenizer: getTokenizer(tokenizer) };
  return (endpoint, body) => {
    const start = performance.now();
    let stream = false;
    try {
      const json = parseJsonBody(body);
      stream = json.stream === true;
      const spec = validateRequest(endpoint, json, vctx);
      const promptHashes = hashBlockSize > 0 ? spec.prompts.map((ids) => blockHashes(ids, hashBlockSize)) : undefined;
      const prepUs = Math.max(1, Math.round((performance.now() - start) * 1000));
      return { ok: true, prepared: { spec, promptHashes, prepUs } };
    } catch (e) {
      const error = e instanceof ApiError ? e : new ApiError(500, `internal error: ${(e as Error).message}`);
      return { ok: false, error, stream };
    }
  };
}
