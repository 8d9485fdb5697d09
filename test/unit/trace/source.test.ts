import { describe, expect, it } from 'vitest';
import { jsonArrayElements } from '../../../src/trace/formats/json-array';
import { linesOf } from '../../../src/trace/source';

/** Cuts a text into chunks of `n` characters. */
const chunked = (text: string, n: number) => Array.from({ length: Math.ceil(text.length / n) }, (_, i) => text.slice(i * n, (i + 1) * n));

describe('linesOf', () => {
  it('numbers lines across chunk borders, drops \\r and a byte order mark', () => {
    const text = '\ufeffa,b\r\n\r\nccc\nd';
    for (let n = 1; n <= text.length; n++) {
      expect([...linesOf(chunked(text, n))]).toEqual([
        { text: 'a,b', line: 1 },
        { text: '', line: 2 },
        { text: 'ccc', line: 3 },
        { text: 'd', line: 4 },
      ]);
    }
  });
});

describe('jsonArrayElements', () => {
  const doc = '[\n  {"a": "x]},\\"[{", "b": [1, {"c": 2}]},\n  {"d": null}\n,3 ]\n';

  it('yields each element with its start line, whatever the chunking', () => {
    for (let n = 1; n <= doc.length; n++) {
      const els = [...jsonArrayElements(chunked(doc, n), 'f')];
      expect(els.map((e) => JSON.parse(e.text))).toEqual([{ a: 'x]},"[{', b: [1, { c: 2 }] }, { d: null }, 3]);
      expect(els.map((e) => e.line)).toEqual([2, 3, 4]);
    }
  });

  it('reports a document that is not an array, is cut short, or goes on after the end', () => {
    expect(() => [...jsonArrayElements(['{"a": 1}'], 'f.json')]).toThrow('f.json:1: expected a JSON array');
    expect(() => [...jsonArrayElements(['[{"a": 1},\n{"b":'], 'f.json')]).toThrow('f.json:2: the JSON array is not closed');
    expect(() => [...jsonArrayElements(['[1]\n]'], 'f.json')]).toThrow('f.json:2: unexpected text');
    expect([...jsonArrayElements([' [ ] '], 'f')]).toEqual([]);
  });
});
