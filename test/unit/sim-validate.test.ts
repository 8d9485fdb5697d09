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
const comp = (body: Record<string, unknown>, c: Partial<ValidateContext> = {}) => validateRequest('/v1/completions', body, { ...ctx, ...c });
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
    ];
    for (const [fn, param] of cases) {
      const e = err(fn);
      expect(e.status, param).toBe(400);
      expect(e.param).toBe(param);
      expect(e.message.startsWith(param)).toBe(true);
      expect(JSON.parse(e.body())).toEqual({ error: { message: e.message, type: 'BadRequestError', param, code: 400 } });
    }
  });

  it('fits prompt + max_tokens to the context as each flavor does (src/sim/flavors/context-limit.ts)', () => {
    const long = Array(90).fill('w').join(' ');
    // vLLM 0.34 lowers max_tokens, then checks min_tokens against the lowered value.
    expect(comp({ prompt: long, max_tokens: 20 })).toMatchObject({ maxTokens: 10, clamped: true });
    expect(comp({ prompt: long, max_tokens: 10 })).toMatchObject({ maxTokens: 10, clamped: false });
    const min = err(() => comp({ prompt: long, max_tokens: 20, min_tokens: 20 }));
    expect([min.status, min.message, min.param]).toEqual([400, 'min_tokens must be less than or equal to max_tokens=10, got 20.', null]);
    const tooLong = err(() => comp({ prompt: Array(101).fill('w').join(' ') }));
    expect([tooLong.status, tooLong.param]).toEqual([400, 'prompt']);
    expect(err(() => comp({ prompt: Array(100).fill('w').join(' ') })).message).toBe('max_tokens must be at least 1, got 0.');
    // SGLang rejects the sum over the context, and min_tokens over max_tokens.
    expect(err(() => comp({ prompt: long, max_tokens: 20 }, { flavor: 'sglang' })).message).toMatch(/^Requested token count exceeds the model's maximum context length of 100 tokens\. You requested a total of 110 tokens: 90 tokens/);
    expect(err(() => comp({ prompt: 'a b', max_tokens: 2, min_tokens: 3 }, { flavor: 'sglang' })).message).toBe('min_new_tokens must be in [0, max_new_tokens(2)], got 3.');
    // llama.cpp stops at the context and ignores min_tokens.
    expect(comp({ prompt: long, max_tokens: 20, min_tokens: 20 }, { flavor: 'llamacpp' })).toMatchObject({ maxTokens: 10, clamped: true });
    expect(err(() => comp({ prompt: Array(100).fill('w').join(' ') }, { flavor: 'llamacpp' })).status).toBe(400);
  });

  it('parses JSON bodies, rejecting non-objects', () => {
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 });
    expect(err(() => parseJsonBody('{')).message).toMatch(/^Invalid JSON body/);
    expect(err(() => parseJsonBody('[1]')).message).toMatch(/expected a JSON object/);
    expect(JSON.parse(errorBody(503, 'busy'))).toEqual({ error: { message: 'busy', type: 'ServiceUnavailableError', param: null, code: 503 } });
  });
});

describe('tool call pairing (Messages as Anthropic checks it, Responses as vLLM does)', () => {
  const use = (id: string) => ({ type: 'tool_use', id, name: 'Bash', input: { command: 'ls -l' } });
  const result = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'a b c' });
  const messages = (msgs: unknown[]) => validateRequest('/v1/messages', { max_tokens: 4, messages: msgs }, ctx);
  const responses = (input: unknown[]) => validateRequest('/v1/responses', { input }, ctx);

  it('accepts results answering the calls just before them, and counts their words', () => {
    const s = messages([{ role: 'user', content: 'x' }, { role: 'assistant', content: [use('t1'), use('t2')] }, { role: 'user', content: [result('t1'), result('t2')] }]);
    expect(s.promptTokens).toBe(1 + 2 * 2 + 2 * 3);
    expect(responses([{ role: 'user', content: 'x' }, { type: 'function_call', call_id: 'c1', name: 'Bash', arguments: '{"a":"b c"}' }, { type: 'function_call_output', call_id: 'c1', output: 'd e f' }]).promptTokens).toBe(6);
  });

  it('answers 400 naming the stray or unanswered id', () => {
    const stray = err(() => messages([{ role: 'user', content: 'x' }, { role: 'assistant', content: [use('t1')] }, { role: 'user', content: [result('t9')] }]));
    expect(stray.status).toBe(400);
    expect(stray.message).toContain('messages[2].content: unexpected `tool_use_id` found in `tool_result` blocks: t9');
    // A result whose call is two messages back is not paired either.
    expect(err(() => messages([{ role: 'assistant', content: [use('t1')] }, { role: 'user', content: [result('t1')] }, { role: 'assistant', content: 'ok' }, { role: 'user', content: [result('t1')] }])).message).toContain('t1');
    const open = err(() => messages([{ role: 'user', content: 'x' }, { role: 'assistant', content: [use('t1'), use('t2')] }, { role: 'user', content: [result('t1')] }]));
    expect(open.message).toContain('`tool_use` ids were found without `tool_result` blocks immediately after: t2');
    // A trailing assistant message may end in calls (nothing answers them yet).
    expect(messages([{ role: 'user', content: 'x' }, { role: 'assistant', content: [use('t1')] }]).promptTokens).toBe(3);
    const r = err(() => responses([{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: 'c1', output: 'd' }]));
    expect([r.status, r.message]).toEqual([400, 'input: No call message found for c1']);
  });
});
