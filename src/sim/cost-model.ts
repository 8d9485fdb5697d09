// How long one engine step takes: a linear model of a continuous-batching forward pass.
//
//   step_ms = step_base_ms
//           + prefill_token_ms * (new prompt tokens computed this step, i.e. uncached ones)
//           + decode_seq_ms    * (sequences decoding one token this step)
//           + context_token_ms * (tokens of KV every scheduled sequence attends over)
//
// step_base_ms is the fixed cost of a pass (weights read once per step: memory-bound decode),
// prefill_token_ms the compute cost of a prompt token (compute-bound GEMMs), decode_seq_ms the
// marginal cost of one more sequence in the batch, context_token_ms the attention cost of
// reading one token's KV. All values are model milliseconds; the engine multiplies by
// --time-scale. Pure.

export interface CostModel {
  stepBaseMs: number;
  prefillTokenMs: number;
  decodeSeqMs: number;
  contextTokenMs: number;
}

/** What a step computes, as the scheduler packed it. */
export interface StepShape {
  prefillTokens: number;
  decodeSeqs: number;
  contextTokens: number;
}

export function stepTimeMs(m: CostModel, s: StepShape): number {
  return m.stepBaseMs + m.prefillTokenMs * s.prefillTokens + m.decodeSeqMs * s.decodeSeqs + m.contextTokenMs * s.contextTokens;
}

/**
 * Model ms from a lone sequence's admission to its first token, when nothing else runs: it
 * waits `loadMs` for KV from lower tiers, then computes its uncached prompt tokens in chunks of
 * `budget` tokens, one step each, attending over everything computed so far. What the engine
 * does for a request that has the engine to itself, so tests and users can check a run's TTFT
 * against the model.
 */
export function loneFirstTokenMs(m: CostModel, budget: number, promptTokens: number, cachedTokens: number, loadMs = 0): number {
  let t = loadMs;
  let computed = cachedTokens;
  while (computed < promptTokens) {
    const n = Math.min(budget, promptTokens - computed);
    t += stepTimeMs(m, { prefillTokens: n, decodeSeqs: 0, contextTokens: computed + n });
    computed += n;
  }
  return t;
}
