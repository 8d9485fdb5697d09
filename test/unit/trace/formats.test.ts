import { describe, expect, it } from 'vitest';
import { TraceError } from '../../../src/trace/errors';
import { readTrace } from '../../../src/trace/read';
import { readSample } from './helpers';

const turns = (t: ReturnType<typeof readTrace>) => t.sessions.flatMap((s) => s.turns);

describe('mooncake', () => {
  it('reads the conversation sample: one session per row, 512-token blocks', () => {
    const t = readSample('mooncake-sample.jsonl');
    expect(t.format).toBe('mooncake');
    expect(t.blockSize).toBe(512);
    expect(t.sessions).toHaveLength(300);
    expect(t.sessions[0].turns[0]).toMatchObject({ atMs: 0, inputTokens: 6758, outputTokens: 500, line: 1 });
    expect(t.sessions[0].turns[0].blocks).toHaveLength(14);
  });

  it('reads the synthetic sample whose hash ids chain prefixes', () => {
    const t = readSample('mooncake-synthetic-sample.jsonl');
    expect(t.sessions[0].turns[0]).toMatchObject({ atMs: 40, inputTokens: 23769, outputTokens: 3 });
    for (const turn of turns(t)) expect(turn.blocks!.length).toBe(Math.ceil(turn.inputTokens / 512));
  });

  it('names file, line and field of a bad row; --skip-bad counts it', () => {
    const text = '{"timestamp": 0, "input_length": 10, "output_length": 1, "hash_ids": [1]}\n{"timestamp": 5, "input_length": -3, "output_length": 1}\n';
    expect(() => readTrace(text, 'x.jsonl', { format: 'mooncake' })).toThrow('x.jsonl:2: field "input_length": must be a non-negative integer');
    const t = readTrace(text, 'x.jsonl', { format: 'mooncake', skipBad: true });
    expect(t.sessions).toHaveLength(1);
    expect(t.skippedCount).toBe(1);
    expect(t.skipped![0].line).toBe(2);
  });

  it('refuses hash ids that cannot cover the input', () => {
    const text = '{"timestamp": 0, "input_length": 1025, "output_length": 1, "hash_ids": [1, 2]}\n';
    expect(() => readTrace(text, 'x.jsonl', { format: 'mooncake' })).toThrow(/hash_ids.*cannot cover input_length 1025/);
  });
});

describe('aiperf mooncake_trace sessions', () => {
  const t = readSample('aiperf-sessions-sample.jsonl');
  const byId = new Map(t.sessions.map((s) => [s.id, s]));

  it('groups rows by session_id in file order, timestamp first and delay later (ms)', () => {
    const chat1 = byId.get('chat-1')!;
    expect(chat1.startMs).toBe(0);
    expect(chat1.accumulates).toBe(true);
    expect(chat1.turns.map((x) => x.delayMs)).toEqual([undefined, 2000, 500]);
    expect(byId.get('chat-2')!.startMs).toBe(250);
  });

  it('models input_length on later turns as tokens appended to the history', () => {
    const [a, b, c] = byId.get('chat-1')!.turns;
    expect(a).toMatchObject({ inputTokens: 1200, appendTokens: 1200, blocks: [1, 2, 3], appendBlocks: [1, 2, 3] });
    expect(b).toMatchObject({ inputTokens: 1200 + 150 + 300, appendTokens: 300, appendBlocks: [5] });
    expect(b.blocks).toBeUndefined();
    expect(c.text).toContain('summarise');
    expect(c.estimatedTokens).toBe(true);
    expect(c.inputTokens).toBe(1650 + 60 + c.appendTokens!);
  });

  it('gives a row without session_id its own session and keeps extra, messages and tools', () => {
    const single = t.sessions.find((s) => s.id === 'line-6')!;
    expect(single.turns[0]).toMatchObject({ atMs: 900, inputTokens: 512, extra: { ignore_eos: true } });
    const agent = byId.get('agent-7')!;
    expect(agent.accumulates).toBe(false);
    expect(agent.turns[0].messages).toHaveLength(2);
    expect(agent.turns[0].tools).toHaveLength(1);
    expect(agent.turns[0].inputTokens).toBeGreaterThan(0);
  });

  it('rejects two inputs in one row and sessions that mix history and appended rows', () => {
    expect(() => readTrace('{"session_id":"s","input_length":5,"text_input":"hi"}\n', 'a.jsonl', { format: 'aiperf' }))
      .toThrow(/a.jsonl:1: field "text_input": only one input allowed/);
    const mixed = '{"session_id":"s","input_length":5}\n{"session_id":"s","messages":[{"role":"user","content":"x"}]}\n';
    expect(() => readTrace(mixed, 'a.jsonl', { format: 'aiperf' })).toThrow(/a.jsonl:2: .*mixes history rows/);
  });
});

describe('azure CSV', () => {
  it('reads the 2023 layout: offsets from the first row with sub-ms precision', () => {
    const t = readSample('azure-2023-conv-sample.csv');
    expect(t.format).toBe('azure');
    expect(t.sessions).toHaveLength(200);
    const [a, b] = turns(t);
    expect(a).toMatchObject({ atMs: 0, inputTokens: 374, outputTokens: 44, line: 2 });
    expect(b.atMs).toBeCloseTo(50_995.169 - 46_680.59, 6);
  });

  it('reads the 2024 layout with a zone and rows without a fraction', () => {
    const at = turns(readSample('azure-2024-sample.csv')).map((x) => x.atMs!);
    expect(at[1]).toBeCloseTo(5.51, 6);
    expect(at[3]).toBeCloseTo(1000 - 9.93, 6);
  });

  it('names the bad cell', () => {
    const text = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47,12.5,3\nyesterday,1,1\n';
    expect(() => readTrace(text, 'az.csv')).toThrow('az.csv:3: field "ContextTokens": must be a whole number');
    const t = readTrace(text, 'az.csv', { skipBad: true });
    expect(t.skippedCount).toBe(2);
    expect(t.skipped![1].message).toContain('az.csv:4: field "TIMESTAMP"');
  });

  it('refuses a header without the needed columns', () => {
    expect(() => readTrace('TIMESTAMP,Tokens\n2023-11-16 18:15:46,3\n', 'az.csv', { format: 'azure' })).toThrow(/az.csv:1: field "ContextTokens"/);
  });
});

describe('BurstGPT CSV', () => {
  it('reads seconds as offsets from the first row and keeps failed (0-token) responses', () => {
    const t = readSample('burstgpt-sample.csv');
    expect(turns(t).map((x) => x.atMs)).toEqual([0, 40_000, 113_000, 125_000, 126_000]);
    expect(turns(t)[2]).toMatchObject({ outputTokens: 0, model: 'GPT-4' });
  });

  it('groups BurstGPT_3 rows by Session ID and keeps Elapsed time', () => {
    const t = readSample('burstgpt3-sample.csv');
    expect(t.sessions).toHaveLength(2);
    const conv = t.sessions[0];
    expect(conv.turns.map((x) => x.atMs)).toEqual([0, 28_000]);
    expect(conv.turns[0].apiTimeMs).toBeCloseTo(6420);
  });
});

describe('kv-cache-tester JSON', () => {
  it('reads a whole trace: 64-token blocks, t in seconds, think and api times', () => {
    const t = readSample('kvcache-tester-trace_0693.json');
    expect(t.format).toBe('kvcache-tester');
    expect(t.blockSize).toBe(64);
    expect(t.sessions).toHaveLength(1);
    const s = t.sessions[0];
    expect(s.id).toBe('trace_0693');
    expect(s.turns).toHaveLength(8);
    expect(s.turns[0]).toMatchObject({ atMs: 0, inputTokens: 19596, outputTokens: 185, delayMs: 0 });
    for (const turn of s.turns) expect(turn.blocks!.length).toBe(Math.floor(turn.inputTokens / 64));
    const second = s.turns[1];
    expect(second.delayMs).toBe(second.thinkTimeMs);
    expect(second.apiTimeMs).toBeGreaterThan(0);
  });

  it('makes a sub-agent a session with parentId and spawnAfterTurn, timed from the parent', () => {
    const t = readSample('kvcache-tester-subagent-excerpt.json');
    expect(t.sessions.map((s) => s.id)).toEqual(['trace_0014', 'trace_0014/' + t.sessions[1].id.split('/')[1]]);
    const [parent, sub] = t.sessions;
    expect(parent.turns).toHaveLength(4);
    expect(sub).toMatchObject({ parentId: 'trace_0014', spawnAfterTurn: 2, startMs: 961_349 });
    expect(sub.turns.map((x) => x.atMs)).toEqual([961_349, 965_349]);
    expect(sub.turns[1].delayMs).toBe(2000);
  });

  it('reads one trace per JSONL line and separates local hash-id scopes', () => {
    const one = { id: 'a', block_size: 64, hash_id_scope: 'local', requests: [{ t: 0, in: 128, out: 5, hash_ids: [1, 2] }] };
    const text = `${JSON.stringify(one)}\n${JSON.stringify({ ...one, id: 'b' })}\n`;
    const t = readTrace(text, 'cc.jsonl');
    expect(t.sessions.map((s) => s.id)).toEqual(['a', 'b']);
    expect(t.sessions[1].turns[0].blocks).toEqual([2 ** 32 + 1, 2 ** 32 + 2]);
  });

  it('names the request and field of a bad value', () => {
    const bad = { id: 'a', block_size: 64, requests: [{ t: 0, in: 128, out: 5 }, { t: 1, in: 'many', out: 5 }] };
    expect(() => readTrace(JSON.stringify(bad, null, 1), 'bad.json', { format: 'kvcache-tester' })).toThrow('bad.json:1: field ".requests[1].in"');
  });
});

describe('trie JSONL', () => {
  it('turns a tool-use loop of N turns into N+1 accumulating requests', () => {
    const t = readSample('trie-sample.jsonl');
    const s = t.sessions[0];
    expect(s.accumulates).toBe(true);
    expect(s.turns.map((x) => x.inputTokens)).toEqual([38414, 38414 + 731 + 4822, 38414 + 731 + 4822 + 535 + 46140]);
    expect(s.turns.map((x) => x.outputTokens)).toEqual([731, 535, 1376]);
    expect(t.sessions[1].turns.map((x) => x.delayMs)).toEqual([0, 685, 357, 1200]);
    expect(t.sessions[2].turns).toHaveLength(1);
  });

  it('rejects lists whose length is not num_turns', () => {
    const row = { num_turns: 2, input_prompt_length: 5, assistant_response_length: [1], tool_call_output_length: [1, 2], tool_call_latency: [0, 0], final_assistant_response_length: 3 };
    expect(() => readTrace(JSON.stringify(row), 'w.jsonl')).toThrow('w.jsonl:1: field "assistant_response_length": must have num_turns = 2 elements, got 1');
  });
});

describe('ShareGPT', () => {
  it('makes each answered user message a turn with its real content; drops unanswered conversations', () => {
    const t = readSample('sharegpt-sample.json');
    expect(t.sessions.map((s) => s.id)).toEqual(['QWJhYvA_0', 'x7Kd9_1']);
    expect(t.dropped).toEqual({ 'conversation without a user message and a reply': 1 });
    const [a, b] = t.sessions[0].turns;
    expect(a.messages).toEqual([{ role: 'user', content: expect.stringContaining('Product Launch Formula') }]);
    expect(b.inputTokens).toBe(a.inputTokens + a.outputTokens + b.appendTokens!);
    expect(t.sessions[1].turns[0].messages!.map((m) => (m as { role: string }).role)).toEqual(['system', 'user']);
  });

  it('reads the same conversations from JSONL, and counts with a given tokenizer', () => {
    const conv = { id: 'c', conversations: [{ from: 'human', value: 'one two three' }, { from: 'gpt', value: 'four five' }] };
    const t = readTrace(JSON.stringify(conv) + '\n', 's.jsonl', { format: 'sharegpt', countTokens: (s) => s.split(' ').length });
    expect(t.sessions[0].turns[0]).toMatchObject({ inputTokens: 3, outputTokens: 2, estimatedTokens: false });
  });
});

describe('GuideLLM replay', () => {
  it('reads timestamps as seconds, offsets from the first row', () => {
    const t = readSample('guidellm-sample.jsonl');
    expect(t.format).toBe('guidellm');
    expect(turns(t).map((x) => x.atMs)).toEqual([0, 500, 1250, 3000]);
  });

  it('accepts renamed columns and rebases unsorted rows to start at 0', () => {
    const text = '{"ts": 10, "in": 5, "out": 1}\n{"ts": 9.5, "in": 6, "out": 2}\n';
    const t = readTrace(text, 'g.jsonl', { format: 'guidellm', columns: { timestamp: 'ts', input: 'in', output: 'out' } });
    expect(turns(t).map((x) => x.atMs)).toEqual([500, 0]);
  });
});

describe('LMCache rows', () => {
  const t = readSample('lmcache-sample.jsonl');

  it('strips explicit nulls from every message before anything is sent', () => {
    const msgs = t.sessions[0].turns[1].messages as Array<Record<string, unknown>>;
    expect(JSON.stringify(msgs)).not.toContain('null');
    expect(msgs[0]).toEqual({ role: 'system', content: expect.any(String) });
    expect(msgs[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_0', name: 'execute_bash' });
  });

  it('keeps full-history rows self-contained, pre_gap as delay, and drops empty message lists', () => {
    expect(t.sessions).toHaveLength(1);
    const [a, b] = t.sessions[0].turns;
    expect(b.delayMs).toBeCloseTo(691.8);
    expect(b.inputTokens).toBeGreaterThan(a.inputTokens);
    expect(b.model).toBe('minimax-m2.5');
    expect(t.dropped).toEqual({ 'empty message list': 1 });
  });
});

describe('errors', () => {
  it('are TraceErrors carrying file, line and field', () => {
    try {
      readTrace('{"num_turns": -1}\n', 'w.jsonl', { format: 'trie' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TraceError);
      expect(e).toMatchObject({ file: 'w.jsonl', line: 1, field: 'num_turns' });
    }
  });
});
