// Kinds of an OpenAI-compatible stream chunk, as bit flags. The engine's transport classifies
// each event as it is read (src/openai/classify.ts), which spares a JSON.parse per token;
// parseStream reads these flags and parses only the chunks that carry more than a token.

export const CHUNK = {
  token: 1,
  reasoning: 2,
  toolCall: 4,
  finish: 8,
  usage: 16,
  error: 32,
  malformed: 64,
  done: 128,
  /** Valid JSON of a shape the classifier does not know: the JS parser decides. */
  parseInJs: 256,
} as const;

/** Chunks whose content the JS parser must read (usage, finish reason, errors, unknown shapes). */
export const NEEDS_JS_PARSE = CHUNK.finish | CHUNK.usage | CHUNK.error | CHUNK.parseInJs;
