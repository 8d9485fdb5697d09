// Embeddings and rerank responses (vLLM 0.34.0: vllm/entrypoints/pooling/embed/protocol.py:206-218,
// scoring/protocol.py:149-169): never streamed; what the metrics need is the prompt tokens the
// server counted and how many inputs the request carried (its batch size).

import type { Usage } from '../stream';

export interface PoolingSummary {
  usage?: Usage;
  /** Embeddings returned (`data`) or documents scored (`results`). */
  batchSize: number;
}

export function parsePoolingBody(o: Record<string, unknown>): PoolingSummary {
  const items = Array.isArray(o.data) ? o.data : Array.isArray(o.results) ? o.results : [];
  const u = o.usage as Record<string, unknown> | undefined;
  const prompt = typeof u?.prompt_tokens === 'number' ? u.prompt_tokens : typeof u?.total_tokens === 'number' ? u.total_tokens : undefined;
  return { usage: prompt === undefined ? undefined : { promptTokens: prompt, completionTokens: 0 }, batchSize: items.length };
}
