// What each server does when prompt + max_tokens does not fit the context (max_model_len):
//   vLLM 0.34    lowers max_tokens to max_model_len - prompt (entrypoints/serve/utils/api_utils.py:234-270),
//                keeps min_tokens and then rejects min_tokens > max_tokens with a 400
//                (sampling_params.py:705-709); a prompt filling the context leaves max_tokens 0,
//                which is rejected too (sampling_params.py:695-699).
//   SGLang 0.5   rejects a prompt of the whole context or more, and prompt + max_new_tokens over it
//                (managers/tokenizer_manager.py:1336-1375); min_tokens above max_tokens is a 400
//                (sampling/sampling_params.py:290-293).
//   llama.cpp    generation stops when the context is full (finish_reason "length"); a prompt
//                longer than the context is a 400 exceed_context_size_error; min_tokens is ignored.
// Pure; throws ApiError (400) naming the limit.

import { ApiError } from '../errors.js';
import type { Flavor } from './flavor.js';

export interface LengthRequest {
  /** Tokens of the longest prompt of the request. */
  promptTokens: number;
  /** max_tokens asked for, or the server default when the request names none. */
  maxTokens: number;
  /** min_tokens asked for (vLLM checks it after lowering max_tokens). */
  minTokens?: number;
  maxModelLen: number;
  /** 'messages' or 'prompt' (the field an error names). */
  promptField: string;
  /** 'max_tokens' or 'max_completion_tokens'. */
  maxField: string;
}

/** The max_tokens the server generates up to, or the 400 it answers. */
export function fitToContext(flavor: Flavor, r: LengthRequest): number {
  const { promptTokens: p, maxModelLen: L } = r;
  switch (flavor) {
    case 'sglang':
      if (p >= L) throw new ApiError(400, `The input (${p} tokens) is longer than the model's context length (${L} tokens).`);
      if (p + r.maxTokens > L)
        throw new ApiError(
          400,
          `Requested token count exceeds the model's maximum context length of ${L} tokens. You requested a total of ${p + r.maxTokens} tokens: ${p} tokens from the input messages and ${r.maxTokens} tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.`,
        );
      if (r.minTokens !== undefined && r.minTokens > r.maxTokens)
        throw new ApiError(400, `min_new_tokens must be in [0, max_new_tokens(${r.maxTokens})], got ${r.minTokens}.`);
      return r.maxTokens;
    case 'llamacpp':
      if (p >= L) throw new ApiError(400, `request (${p} tokens) exceeds the available context size (${L} tokens), try increasing it`);
      return Math.min(r.maxTokens, L - p);
    default: {
      if (p > L)
        throw new ApiError(400, `This model's maximum context length is ${L} tokens. However, your request has ${p} input tokens. Please reduce the length of the input.`, r.promptField);
      const max = Math.min(r.maxTokens, L - p);
      if (max < 1) throw new ApiError(400, `max_tokens must be at least 1, got ${max}.`, r.maxField);
      if (r.minTokens !== undefined && r.minTokens > max) throw new ApiError(400, `min_tokens must be less than or equal to max_tokens=${max}, got ${r.minTokens}.`);
      return max;
    }
  }
}
