// Embeddings (POST /v1/embeddings) and rerank (POST /v1/rerank) request bodies. Never streamed;
// no output length. The replayed prompt is the embedded input or the one document to score.

import type { BodyOptions, Endpoint } from '../request';

/** Rerank's query when a request gives none: one word (one token on the vocabularies we ship). */
export const RERANK_QUERY = 'query';
export const RERANK_QUERY_TOKENS = 1;

/** Tokens to take off a replayed prompt on `endpoint`: the template's, and rerank's query on top. */
export function promptOverhead(endpoint: Endpoint, templateTokens: number): number {
  return endpoint === 'rerank' ? templateTokens + RERANK_QUERY_TOKENS : templateTokens;
}

export function embeddingsBody(o: BodyOptions): Record<string, unknown> {
  return { model: o.model, input: o.prompt };
}

export function rerankBody(o: BodyOptions): Record<string, unknown> {
  const doc = typeof o.prompt === 'string' ? o.prompt : o.prompt.join(' ');
  return { model: o.model, query: RERANK_QUERY, documents: [doc] };
}
