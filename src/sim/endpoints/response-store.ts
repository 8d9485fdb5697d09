// Stored responses of POST /v1/responses (`store: true`), so a client can continue a
// conversation with `previous_response_id` instead of sending it whole, as vLLM does with
// VLLM_ENABLE_RESPONSES_API_STORE. The store keeps each response's conversation as input items
// (its input, then its output as an assistant message); a request naming one gets that
// conversation put before its own input, then goes through the same validation, template and
// prefix cache as a whole-conversation request. Bounded: the oldest responses are forgotten.

import { ApiError } from '../errors.js';
import { outputWord } from '../scheduler.js';

type Item = Record<string, unknown>;

/** A request's body once its previous response is resolved, and what to store of it. */
export interface ResolvedBody {
  body: Buffer;
  /** The conversation to store with the response (its whole input), when it asked to be stored. */
  storeInput?: Item[];
}

const STORE_MARK = Buffer.from('"store"');
const PREVIOUS_MARK = Buffer.from('"previous_response_id"');

function inputItems(input: unknown): Item[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  return Array.isArray(input) ? (input as Item[]) : [];
}

export class ResponseStore {
  private readonly conversations = new Map<string, Item[]>();

  constructor(private readonly capacity = 4096) {}

  /**
   * `raw` with its previous response's conversation before its input (404 naming the id when
   * it is not stored). Bodies that name neither `store` nor `previous_response_id` pass as they are.
   */
  resolve(raw: Buffer): ResolvedBody {
    if (raw.indexOf(STORE_MARK) < 0 && raw.indexOf(PREVIOUS_MARK) < 0) return { body: raw };
    let body: Item;
    try {
      body = JSON.parse(raw.toString('utf8')) as Item;
    } catch {
      return { body: raw }; // the preparer answers the 400
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body: raw };
    const prev = body.previous_response_id;
    let input = body.input;
    if (prev !== undefined && prev !== null) {
      const stored = typeof prev === 'string' ? this.conversations.get(prev) : undefined;
      if (!stored) throw new ApiError(404, `Response with id '${String(prev)}' not found.`, 'previous_response_id');
      input = [...stored, ...inputItems(input)];
      body = { ...body, input };
      delete body.previous_response_id;
    }
    const out: ResolvedBody = { body: Buffer.from(JSON.stringify(body)) };
    if (body.store === true) out.storeInput = inputItems(input);
    return out;
  }

  /** Stores a finished response: its input and its `outputTokens` answer tokens (after `reasoningTokens`). */
  keep(responseId: string, input: Item[], reasoningTokens: number, outputTokens: number): void {
    let text = '';
    for (let i = reasoningTokens; i < outputTokens; i++) text += (i === reasoningTokens ? '' : ' ') + outputWord(i);
    if (this.conversations.size >= this.capacity) this.conversations.delete(this.conversations.keys().next().value as string);
    this.conversations.set(responseId, [...input, { role: 'assistant', content: text }]);
  }
}
