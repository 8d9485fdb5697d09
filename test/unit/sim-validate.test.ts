import { describe, expect, it } from 'vitest';
import { ApiError, errorBody } from '../../src/sim/errors.js';
import { WordsTokenizer, chatTemplateIds } from '../../src/sim/tokenizer.js';
import { type ValidateContext, parseJsonBody, validateRequest } from '../../src/sim/validate.js';

const ctx: ValidateContext = {
  tokenizer: new WordsTokenizer(),
  servedModel: 'served',
  strictModel: false,
  defaultMaxTokens: 16,
  chatTemplateTokens: 0,
  maxModelLen: 100,
};
const chat = (body: Record<string, unknown>, c: Partial<ValidateContext> = {}) => validateRequest('/v1/chat/completions', body, { ...ctx, ...c });
const comp = (body: Record<string, unknown>) => validateRequest('/v1/completions', body, ctx);
const err = (fn: () => unknown): ApiError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('no error thrown');
};

describe('request validation', () => {
  it('counts chat prompts as the sum of message words plus template tokens', () => {
    const s = chat({ messages: [{ role: 'system', content: 'a b' }, { role: 'user', content: [{ type: 'text', text: 'c d e' }, { type: 'image_url', image_url: {} }] }, { role: 'assistant', content: null, tool_calls: [] }] });
    expect(s.promptTokens).toBe(5);
    expect(s.prompts).toHaveLength(1);
    const t = chat({ messages: [{ role: 'user', content: 'a b' }] }, { chatTemplateTokens: 4 });
    expect(t.promptTokens).toBe(6);
    expect(t.prompts[0].slice(0, 4)).toEqual(chatTemplateIds(4));
  });

  it('accepts the four completion prompt shapes', () => {
    expect(comp({ prompt: 'x y z' }).promptTokens).toBe(3);
    expect(comp({ prompt: ['x y', 'z'] }).prompts.map((p) => p.length)).toEqual([2, 1]);
    expect(comp({ prompt: [1, 2, 3] }).prompts).toEqual([[1, 2, 3]]);
    expect(comp({ prompt: [[1], [2, 3]] }).promptTokens).toBe(3);
  });

  it('picks max_completion_tokens, then max_tokens, then the default', () => {
    expect(chat({ messages: [{ role: 'user', content: 'x' }], max_tokens: 5, max_completion_tokens: 7 }).maxTokens).toBe(7);
    expect(chat({ messages: [{ role: 'user', content: 'x' }], max_tokens: 5 }).maxTokens).toBe(5);
    expect(chat({ messages: [{ role: 'user', content: 'x' }], max_tokens: null }).maxTokens).toBe(16);
    expect(comp({ prompt: 'x', max_completion_tokens: 9 }).maxTokens).toBe(16); // chat-only field
  });

  it('echoes the requested model unless strict', () => {
    expect(chat({ model: 'other', messages: [{ role: 'user', content: 'x' }] }).model).toBe('other');
    expect(chat({ messages: [{ role: 'user', content: 'x' }] }).model).toBe('served');
    const e = err(() => chat({ model: 'other', messages: [{ role: 'user', content: 'x' }] }, { strictModel: true }));
    expect(e.status).toBe(404);
    expect(e.message).toContain('`other` does not exist');
  });

  it('reads stream and include_usage; stream_options needs stream', () => {
    const s = chat({ messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
    expect(s).toMatchObject({ stream: true, includeUsage: true });
    expect(err(() => chat({ messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } })).param).toBe('stream_options');
  });

  it('rejects bad fields with a 400 naming them', () => {
    const cases: [() => unknown, string][] = [
      [() => chat({}), 'messages'],
      [() => chat({ messages: [] }), 'messages'],
      [() => chat({ messages: 'hi' }), 'messages'],
      [() => chat({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }), 'messages[0].content[0].text'],
      [() => chat({ messages: [{ role: 'user' }] }), 'messages[0].content'],
      [() => chat({ messages: [{ role: 'user', content: '' }] }), 'messages'],
      [() => chat({ messages: [{ role: 'user', content: 'x' }], max_tokens: 1.5 }), 'max_tokens'],
      [() => chat({ messages: [{ role: 'user', content: 'x' }], ignore_eos: 'yes' }), 'ignore_eos'],
      [() => chat({ messages: [{ role: 'user', content: 'x' }], model: 3 }), 'model'],
      [() => comp({ prompt: [[1], []] }), 'prompt[1]'],
      [() => comp({ prompt: [1.5] }), 'prompt[0]'],
      [() => comp({ prompt: [{}] }), 'prompt[0]'],
      [() => comp({ prompt: 7 }), 'prompt'],
      [() => comp({ prompt: Array(101).fill('w').join(' ') }), 'prompt'],
      [() => comp({ prompt: Array(90).fill('w').join(' '), max_tokens: 20 }), 'max_tokens'],
    ];
    for (const [fn, param] of cases) {
      const e = err(fn);
      expect(e.status, param).toBe(400);
      expect(e.param).toBe(param);
      expect(e.message.startsWith(param)).toBe(true);
      expect(JSON.parse(e.body())).toEqual({ error: { message: e.message, type: 'BadRequestError', param, code: 400 } });
    }
  });

  it('parses JSON bodies, rejecting non-objects', () => {
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 });
    expect(err(() => parseJsonBody('{')).message).toMatch(/^Invalid JSON body/);
    expect(err(() => parseJsonBody('[1]')).message).toMatch(/expected a JSON object/);
    expect(JSON.parse(errorBody(503, 'busy'))).toEqual({ error: { message: 'busy', type: 'ServiceUnavailableError', param: null, code: 503 } });
  });
});
