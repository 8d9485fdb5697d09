import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readTrace } from '../../src/trace/read';
import { indexPathOf, isDirectoryError, parseIndex, splitTraceList } from '../../src/sessions/trace-list';
import { debugLine, DEBUG_PREFIX, redactHeaders } from '../../src/sessions/debug';

describe('trace lists', () => {
  it('splits TRACES and reads a directory index', () => {
    expect(splitTraceList(' a.json, ,b.jsonl ')).toEqual(['a.json', 'b.jsonl']);
    expect(indexPathOf('traces/sessions/')).toBe('traces/sessions/index.txt');
    expect(parseIndex('# comment\n\na.json\n/abs/b.json\n', 'dir/')).toEqual(['dir/a.json', '/abs/b.json']);
    expect(isDirectoryError(new Error(`GoError: open() can't be used with directories, path: "x"`))).toBe(true);
  });

  it('the shipped index lists every shipped session trace', () => {
    const listed = parseIndex(readFileSync('traces/sessions/index.txt', 'utf8'), 'traces/sessions');
    expect(listed.length).toBeGreaterThanOrEqual(3);
    for (const f of listed) expect(readTrace(readFileSync(f, 'utf8'), f).sessions.length).toBeGreaterThan(0);
  });
});

describe('kv-cache-tester system + tool tokens', () => {
  it('come with every session the reader makes, sub-agents included', () => {
    const file = 'traces/sessions/kvcache-tester-0282-excerpt.json';
    const sessions = readTrace(readFileSync(file, 'utf8'), file).sessions;
    expect(sessions.every((s) => typeof s.prefixTokens === 'number' && s.prefixTokens > 0)).toBe(true);
    expect(sessions.find((s) => s.id === 'trace_0282/agent_003')?.prefixTokens).toBe(733 + 7771);
  });

  it('are read per trace on JSONL, and absent when a trace has none', () => {
    const req = { t: 0, type: 'n', in: 64, out: 1, hash_ids: [1] };
    const jsonl = [
      { id: 'a', block_size: 64, system_tokens: 1, tool_tokens: 2, requests: [req] },
      { id: 'b', block_size: 64, requests: [req, { t: 1, type: 'subagent', agent_id: 'x', tool_tokens: 5, requests: [req] }] },
    ].map((o) => JSON.stringify(o)).join('\n');
    const byId = Object.fromEntries(readTrace(jsonl, 'two.jsonl', { format: 'kvcache-tester' }).sessions.map((s) => [s.id, s.prefixTokens]));
    expect(byId).toEqual({ a: 3, b: undefined, 'b/x': 5 });
  });
});

describe('debug lines', () => {
  it('are prefixed JSON with the API key nowhere', () => {
    const line = debugLine({
      requestId: 'r', session: 's', agent: 'a', turn: 0, url: 'http://x', status: 200,
      headers: { Authorization: 'Bearer sk-123456', 'X-Request-Id': 'r' }, request: { messages: [{ content: 'echo sk-123456' }] }, events: ['{}', '[DONE]'],
    }, 'sk-123456');
    expect(line.startsWith(DEBUG_PREFIX)).toBe(true);
    expect(line).not.toContain('sk-123456');
    const o = JSON.parse(line.slice(DEBUG_PREFIX.length));
    expect(o.headers).toEqual({ Authorization: '[redacted]', 'X-Request-Id': 'r' });
    expect(o.events).toEqual(['{}', '[DONE]']);
    expect(redactHeaders({ 'x-api-key': 'k', a: 'b' })).toEqual({ 'x-api-key': '[redacted]', a: 'b' });
  });
});
