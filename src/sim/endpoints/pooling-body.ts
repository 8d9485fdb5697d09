// Embeddings and rerank answers in vLLM 0.34.0's shapes: EmbeddingResponse
// (vllm/entrypoints/pooling/embed/protocol.py:206-218: id embd-..., object list, data of
// {index, object: embedding, embedding}, usage as UsageInfo) and RerankResponse
// (pooling/scoring/protocol.py:149-169: id, model, usage {prompt_tokens, total_tokens}, results
// of {index, document: {text}, relevance_score}). Embeddings are small deterministic vectors.

/** Length of a simulated embedding vector. */
export const EMBEDDING_DIM = 8;

function vector(seed: number): number[] {
  const v: number[] = [];
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < EMBEDDING_DIM; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    v.push(Math.round(((x / 0xffffffff) * 2 - 1) * 1e6) / 1e6);
  }
  return v;
}

export function embeddingsBody(id: string, model: string, created: number, inputs: number, promptTokens: number): string {
  const data = Array.from({ length: inputs }, (_, i) => ({ index: i, object: 'embedding', embedding: vector(i + 1) }));
  return JSON.stringify({ id: 'embd-' + id, object: 'list', created, model, data, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0, prompt_tokens_details: null } });
}

export function rerankBody(id: string, model: string, documents: number, promptTokens: number): string {
  // The documents' text is not kept past tokenizing (it may be large): results carry none.
  const results = Array.from({ length: documents }, (_, index) => ({ index, document: { text: null }, relevance_score: 1 / (index + 1) }));
  return JSON.stringify({ id: 'rerank-' + id, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }, results });
}
