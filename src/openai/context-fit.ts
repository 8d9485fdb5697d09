// max_tokens and min_tokens every server accepts near the context limit. vLLM lowers max_tokens
// to max_model_len - prompt but keeps min_tokens, then answers 400 "min_tokens must be less than
// or equal to max_tokens" (vllm serve/utils/api_utils.py get_max_tokens, sampling_params.py);
// SGLang rejects prompt + max_tokens over the limit. So a request whose recorded output does
// not fit is sent with max_tokens lowered to what fits (and counted as capped), and min_tokens
// keeps a margin below the room the prompt leaves, because the server may count the prompt a
// few tokens longer than the run does (chat template, tokenizer). Pure.

export interface FittedLength {
  /** max_tokens to send. */
  maxTokens: number;
  /** min_tokens to send with ignore_eos (never above maxTokens). */
  minTokens: number;
  /** The recorded output length when max_tokens was lowered to fit, else undefined. */
  cappedFrom?: number;
}

/** Tokens of doubt about the server's prompt count: 2% of the prompt, at least 8. */
export function promptCountMargin(promptTokens: number): number {
  return Math.max(8, Math.ceil(promptTokens * 0.02));
}

/** Fits the recorded output into `maxModelLen` (unknown context: unchanged). */
export function fitOutputToContext(outputTokens: number, promptTokens: number, maxModelLen: number | undefined): FittedLength {
  if (maxModelLen === undefined) return { maxTokens: outputTokens, minTokens: outputTokens };
  const room = maxModelLen - promptTokens;
  // A recorded 0 is sent as recorded (the server refuses it as it refused the original).
  const maxTokens = outputTokens <= room ? outputTokens : Math.max(1, room);
  const minTokens = Math.max(0, Math.min(maxTokens, room - promptCountMargin(promptTokens)));
  return maxTokens < outputTokens ? { maxTokens, minTokens, cappedFrom: outputTokens } : { maxTokens, minTokens };
}
