// Tokens a server adds around a prompt's text, per model family, so a prompt can be cut to
// land exactly on the recorded length server-side (PromptSpec.overheadTokens).
// chat: one user message through the model's chat template with the generation prompt;
// completion: /v1/completions with text (BOS). Token-id prompts get nothing added.
// Measured values: ../shared/reference/prompts.md, and test/unit/prompt/token-exact.test.ts
// re-measures the templates the tokenizer packages ship (llama3, qwen3, deepseek_v3).

export interface TemplateOverhead {
  chat: number;
  completion: number;
  note?: string;
}

export const TEMPLATE_OVERHEAD: Record<string, TemplateOverhead> = {
  llama3: { chat: 10, completion: 1, note: 'Llama 3 Instruct' },
  llama3_1: { chat: 35, completion: 1, note: 'Llama 3.1/3.3 Instruct: the template adds a dated system header' },
  llama3_2: { chat: 35, completion: 1, note: "Llama 3.2: the header carries today's date, so it can vary" },
  qwen3: { chat: 8, completion: 0, note: 'Qwen3 with thinking on (the default)' },
  qwen3_nothink: { chat: 12, completion: 0, note: 'Qwen3 with enable_thinking=false' },
  qwen2_5: { chat: 29, completion: 0, note: 'Qwen2.5 with its default system prompt' },
  deepseek_v3: { chat: 3, completion: 1 },
  o200k: { chat: 0, completion: 0, note: 'no template known: pass the overhead your server adds' },
  cl100k: { chat: 0, completion: 0, note: 'no template known: pass the overhead your server adds' },
};

/** The overhead for a family and endpoint; unknown families add nothing. */
export function templateOverhead(family: string, endpoint: 'chat' | 'completion'): number {
  return TEMPLATE_OVERHEAD[family]?.[endpoint] ?? 0;
}
