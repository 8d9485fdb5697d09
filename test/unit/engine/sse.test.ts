import { describe, expect, it } from 'vitest';
import { SseDecoder } from '../../../src/engine/sse';

function decode(pieces: Array<[string, number]>) {
  const events: Array<[number, string]> = [];
  const invalid: string[] = [];
  const d = new SseDecoder({ event: (t, data) => events.push([t, data]), invalid: (l) => invalid.push(l) });
  for (const [text, t] of pieces) d.push(Buffer.from(text, 'utf8'), t);
  return { events, invalid, tail: d.tail() };
}

describe('SseDecoder', () => {
  it('stamps each event with the time its last bytes were read', () => {
    const r = decode([['data: a\n\nda', 1], ['ta: b\n', 2], ['\ndata: [DONE]\n\n', 3]]);
    expect(r.events).toEqual([[1, 'a'], [3, 'b'], [3, '[DONE]']]);
    expect(r.tail).toBe('');
  });

  it('joins multi-line data, skips comments and known fields, keeps CRLF streams', () => {
    const r = decode([[': keep-alive\r\nevent: message\r\nid: 7\r\ndata: x\r\ndata: y\r\n\r\n', 5]]);
    expect(r.events).toEqual([[5, 'x\ny']]);
    expect(r.invalid).toEqual([]);
  });

  it('reports lines that are no SSE field and the data of a cut event', () => {
    const r = decode([['garbage line\ndata: {"choices":[', 1]]);
    expect(r.invalid).toEqual(['garbage line']);
    expect(r.events).toEqual([]);
    expect(r.tail).toBe('{"choices":[');
  });

  it('decodes a multi-byte character split across pieces', () => {
    const bytes = Buffer.from('data: héllo\n\n', 'utf8');
    const d: Array<[number, string]> = [];
    const dec = new SseDecoder({ event: (t, data) => d.push([t, data]), invalid: () => {} });
    dec.push(bytes.subarray(0, 8), 1);
    dec.push(bytes.subarray(8), 2);
    expect(d).toEqual([[2, 'héllo']]);
  });
});
