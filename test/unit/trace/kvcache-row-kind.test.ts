// kv-cache-tester's per-row `type`, `input_types` and `output_types` (src/trace/formats/kvcache-row-kind.ts):
// every value the format defines is a generation request on the run's --endpoint; anything else
// is an error naming the file, the line and the field. The fixture is a slice of
// traces/sessions/kvcache-tester-0282-excerpt.json (two traces, one per line, hash lists cut).

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readTrace } from '../../../src/trace/read';

const FIXTURE = 'test/fixtures/trace/kvcache-row-kinds.jsonl';
const lines = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n');

/** The fixture with trace `line` (1-based) edited. */
function edited(line: number, edit: (t: { requests: Array<Record<string, unknown>> }) => void): string {
  return lines.map((l, i) => {
    if (i + 1 !== line) return l;
    const t = JSON.parse(l);
    edit(t);
    return JSON.stringify(t);
  }).join('\n');
}

describe('kv-cache-tester row kinds', () => {
  it('reads s/n rows as generation on the run endpoint, keeping their input and output types', () => {
    const t = readTrace(readFileSync(FIXTURE, 'utf8'), FIXTURE);
    expect(t.format).toBe('kvcache-tester');
    const turns = t.sessions.flatMap((s) => s.turns);
    expect(turns).toHaveLength(5);
    expect(turns.every((x) => x.endpoint === undefined)).toBe(true);
    const root = t.sessions[0];
    expect(root.turns.map((x) => [x.inputTypes, x.outputTypes, x.stop])).toEqual([
      [['text'], ['text', 'thinking', 'tool_use'], 'tool_use'],
      [['tool_result'], ['text', 'thinking', 'tool_use'], 'tool_use'],
    ]);
    expect([root.systemTokens, root.toolTokens, root.prefixTokens]).toEqual([2769, 12439, 2769 + 12439]);
    const sub = t.sessions.find((s) => s.parentId === root.id)!;
    expect([sub.systemTokens, sub.toolTokens]).toEqual([733, 7771]);
    // A row's own endpoint still routes it.
    const routed = readTrace(edited(2, (x) => (x.requests[0].endpoint = 'embeddings')), FIXTURE);
    expect(routed.sessions[routed.sessions.length - 1].turns[0].endpoint).toBe('embeddings');
  });

  it('an unknown row type, input type or output type is an error naming file, line and field', () => {
    expect(() => readTrace(edited(2, (x) => (x.requests[0].type = 'embedding')), FIXTURE))
      .toThrow(`${FIXTURE}:2: field ".requests[0].type": unknown request type "embedding"`);
    expect(() => readTrace(edited(1, (x) => (x.requests[1].input_types = ['tool_result', 'query'])), FIXTURE))
      .toThrow(`${FIXTURE}:1: field ".requests[1].input_types[1]": unknown value "query"`);
    expect(() => readTrace(edited(1, (x) => ((x.requests[2].requests as Array<Record<string, unknown>>)[1].output_types = ['score'])), FIXTURE))
      .toThrow(`${FIXTURE}:1: field ".requests[2].requests[1].output_types[0]": unknown value "score"`);
    expect(() => readTrace(edited(2, (x) => (x.requests[0].input_types = 'text')), FIXTURE))
      .toThrow(`${FIXTURE}:2: field ".requests[0].input_types": must be an array of strings`);
  });
});
