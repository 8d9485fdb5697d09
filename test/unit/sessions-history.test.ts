import { describe, expect, it } from 'vitest';
import { syntheticVocabulary } from '../../src/prompt/vocabulary';
import { appendedTokens, Conversation, replyContent } from '../../src/sessions/history';

const vocab = syntheticVocabulary();
const count = (s: string) => s.split(' ').filter((w) => w !== '').length;
const chunk = (delta: Record<string, unknown>) => JSON.stringify({ choices: [{ index: 0, delta }] });

describe('Conversation', () => {
  const o = { vocab, blockSize: 16, sessionSalt: 's', warmSalt: 'w', warmTokens: 0 };

  it('sends every earlier input and reply before the new input', () => {
    const c = new Conversation(o);
    const first = c.ask(40, undefined, 'k0');
    expect(first).toHaveLength(1);
    expect(count(first[0].content)).toBe(40);
    c.answer(' lorem ipsum dolor', 3, 'r0');
    const second = c.ask(10, undefined, 'k1');
    expect(second.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(second[0]).toEqual(first[0]);
    expect(second[1].content).toBe(' lorem ipsum dolor');
    expect(count(Conversation.asText(second))).toBe(53);
  });

  it('a failed turn leaves filler of the recorded reply length; a reasoning-only reply leaves nothing', () => {
    const c = new Conversation(o);
    c.ask(5, undefined, 'k0');
    c.answer(undefined, 7, 'r0');
    c.ask(5, undefined, 'k1');
    c.answer('', 7, 'r1');
    const m = c.ask(5, undefined, 'k2');
    expect(count(m[1].content)).toBe(7);
    expect(m[3].content).toBe('');
  });

  it('the warm prefix opens every conversation with the same text', () => {
    const a = new Conversation({ ...o, sessionSalt: 'a', warmTokens: 32 }).ask(50, undefined, 'x')[0].content.split(' ');
    const b = new Conversation({ ...o, sessionSalt: 'b', warmTokens: 32 }).ask(50, undefined, 'x')[0].content.split(' ');
    expect(a).toHaveLength(50);
    expect(a.slice(0, 32)).toEqual(b.slice(0, 32));
    expect(a.slice(32)).not.toEqual(b.slice(32));
  });

  it('appended tokens: recorded, else the growth beyond the previous prompt and reply', () => {
    expect(appendedTokens({ inputTokens: 500, appendTokens: 80 }, { inputTokens: 300, outputTokens: 20 })).toBe(80);
    expect(appendedTokens({ inputTokens: 500 }, { inputTokens: 300, outputTokens: 20 })).toBe(180);
    expect(appendedTokens({ inputTokens: 500 }, undefined)).toBe(500);
    expect(appendedTokens({ inputTokens: 100 }, { inputTokens: 300, outputTokens: 20 })).toBe(0);
  });
});

describe('replyContent', () => {
  it('keeps content, drops reasoning, reads completions text and non-streamed bodies', () => {
    const events = [chunk({ role: 'assistant' }), chunk({ reasoning_content: ' think' }), chunk({ content: ' a' }), chunk({ content: ' b' }), 'not json "content"', '[DONE]'];
    expect(replyContent(events, '')).toBe(' a b');
    expect(replyContent([JSON.stringify({ choices: [{ text: ' x' }] })], '')).toBe(' x');
    expect(replyContent([], JSON.stringify({ choices: [{ message: { content: 'whole' } }] }))).toBe('whole');
    expect(replyContent([], 'oops')).toBe('');
  });
});
