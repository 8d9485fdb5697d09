// Embeddings (POST /v1/embeddings) and rerank (POST /v1/rerank) request bodies. Never streamed;
// no output length. The replayed prompt is the embedded input or the one document to score.

import type { BodyOptions } from '../request';

/** Rerank's query when a request gives none: one word, so the scored pair stays the prompt's length plus one token. */
export const RERANK_QUERY = 'query';

export function embeddingsBody(o: BodyOptions): Record<string, unknown> {
  return { model: o.model, input: o.prompt };
}

export function rerankBody(o: BodyOptions): Record<string, unknown> {
  const doc = typeof o.prompt === 'string' ? o.prompt : o.prompt.join(' ');
  return { model: o.model, query: RERANK_QUERY, documents: [doc] };
}
