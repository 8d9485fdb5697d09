import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readTrace } from '../../src/trace/read';
import { expandBlocks, planSessions, type PlanOptions } from '../../src/sessions/plan';
import type { Trace } from '../../src/trace/model';

const opts: PlanOptions = { join: 'recorded', defaultBlockSize: 64 };

function load(name: string) {
  const file = `traces/sessions/${name}`;
  const text = readFileSync(file, 'utf8');
  return { text, trace: readTrace(text, file) };
}

describe('planSessions on the kv-cache-tester excerpt', () => {
  const { text, trace } = load('kvcache-tester-0282-excerpt.json');
  const [g] = planSessions(trace, 3, opts);

  it('makes one group: the root and its three sub-agents, every request once', () => {
    expect(g.file).toBe(3);
    expect(g.blockSize).toBe(64);
    expect(g.agents.map((a) => a.id)).toEqual(['trace_0282', 'trace_0282/agent_001', 'trace_0282/agent_002', 'trace_0282/agent_003']);
    expect(g.agents.map((a) => a.turns.length)).toEqual([5, 3, 3, 6]);
    expect(g.requests).toBe(17);
    expect(g.agents.slice(1).every((a) => a.parent === 0 && a.spawnAfterTurn === 1)).toBe(true);
    expect(g.agents[0].turns[1].spawns).toEqual([1, 2, 3]);
  });

  it('joins each sub-agent at the first parent turn sent after it ended in the recording', () => {
    // agent_001 ends at 284.7 s and agent_002 at 288.6 s: the turn sent at 364 s waits for both;
    // agent_003 ends at 386.9 s: the turn at 364 s runs beside it, the one at 484 s waits.
    expect(g.agents[0].turns.map((t) => t.joins)).toEqual([[], [], [1, 2], [3], []]);
    expect(g.agents.every((a) => a.joinsAtEnd.length === 0)).toBe(true);
  });

  it('measures each wait from the dependency that ended last in the recording', () => {
    const root = g.agents[0].turns;
    expect(root[0].wait).toMatchObject({ anchor: 'start', idleMs: 0 });
    expect(root[1].wait).toMatchObject({ anchor: 'prev', idleMs: 37_000, anchorApiMs: 17_590, sinceSendMs: 55_000 });
    // 364 s - (274.021 + 12 + 2.55) s, from agent_002's last request
    expect(root[2].wait.anchor).toBe('agent');
    expect(root[2].wait.agent).toBe(2);
    expect(root[2].wait.idleMs).toBeCloseTo(364_000 - 288_571, 0);
    const sub = g.agents[1].turns[0].wait;
    expect(sub.anchor).toBe('spawn');
    expect(sub.idleMs).toBeCloseTo(272_112 - 78_170, 0);
    expect(sub.sinceSendMs).toBeCloseTo(272_112 - 55_000, 0);
  });

  it('delta-encodes block ids: expanding gives the trace lists back', () => {
    const byId = new Map(trace.sessions.map((s) => [s.id, s]));
    for (const a of g.agents) expect(expandBlocks(a)).toEqual(byId.get(a.id)!.turns.map((t) => t.blocks));
    expect(g.agents[0].turns[1].keep).toBe(261);
  });

  it('carries system + tool tokens per agent', () => {
    expect(g.agents[0].prefixTokens).toBe(2769 + 12439);
    expect(g.agents[1].prefixTokens).toBe(733 + 7771);
  });

  it('SUBAGENT_JOIN=next: the parent turn right after the spawn waits', () => {
    const [n] = planSessions(trace, 0, { ...opts, join: 'next' });
    expect(n.agents[0].turns.map((t) => t.joins)).toEqual([[], [], [1, 2, 3], [], []]);
  });

  it('MAX_CONTEXT cuts an agent at its first request over the limit, with the sub-agents spawned after', () => {
    const [c] = planSessions(trace, 0, { ...opts, maxContext: 20_000 });
    expect(c.agents[0].turns.length).toBe(2);
    expect(c.agents.map((a) => a.turns.length)).toEqual([2, 3, 3, 3]);
    expect(c.requests + c.truncated).toBe(17);
    expect(planSessions(trace, 0, { ...opts, maxContext: 100 })).toEqual([]);
    const [d] = planSessions(trace, 0, { ...opts, maxContext: 17_000 });
    expect(d.agents.length).toBe(1);
    expect(d.truncated).toBe(16);
  });
});

describe('planSessions on other shapes', () => {
  it('a sub-agent no parent turn outlives is joined at the parent end', () => {
    const trace: Trace = {
      format: 'canonical', blockSize: 16,
      sessions: [
        { id: 'r', startMs: 0, turns: [{ atMs: 0, apiTimeMs: 100, inputTokens: 10, outputTokens: 1 }, { atMs: 500, apiTimeMs: 100, inputTokens: 20, outputTokens: 1 }] },
        { id: 'r/a', startMs: 200, parentId: 'r', spawnAfterTurn: 0, turns: [{ atMs: 200, apiTimeMs: 1000, inputTokens: 5, outputTokens: 1 }] },
        { id: 'r/b', startMs: 0, parentId: 'r', spawnAfterTurn: -1, turns: [{ atMs: 0, apiTimeMs: 50, inputTokens: 5, outputTokens: 1 }] },
      ],
    };
    const [g] = planSessions(trace, 0, opts);
    expect(g.agents[0].joinsAtEnd).toEqual([1]);
    expect(g.agents[0].spawnsAtStart).toEqual([2]);
    // b ended at 50 ms, before the turn at 500 ms: that turn waits for it (the previous turn ended later).
    expect(g.agents[0].turns[1].joins).toEqual([2]);
    expect(g.agents[0].turns[1].wait.anchor).toBe('prev');
    expect(g.agents[2].turns[0].wait).toMatchObject({ anchor: 'start', idleMs: 0 });
  });

  it('orders root sessions by start and turns orphans into roots', () => {
    const trace: Trace = {
      format: 'canonical',
      sessions: [
        { id: 'late', startMs: 900, turns: [{ atMs: 900, inputTokens: 1, outputTokens: 1 }] },
        { id: 'early', startMs: 10, turns: [{ atMs: 10, inputTokens: 1, outputTokens: 1 }] },
        { id: 'orphan', startMs: 50, parentId: 'missing', turns: [{ atMs: 50, inputTokens: 1, outputTokens: 1 }] },
      ],
    };
    expect(planSessions(trace, 0, opts).map((g) => g.id)).toEqual(['early', 'orphan', 'late']);
  });

  it('accumulating sessions without send times wait their recorded delays', () => {
    const trace = readTrace(readFileSync('traces/sessions/trie-small.jsonl', 'utf8'), 'trie-small.jsonl');
    const gs = planSessions(trace, 0, opts);
    expect(gs.map((g) => g.requests)).toEqual([4, 3]);
    const t = gs[0].agents[0];
    expect(t.accumulates).toBe(true);
    expect(t.turns.map((x) => x.wait.idleMs)).toEqual([0, 200, 300, 100]);
    expect(t.turns.every((x) => x.wait.sinceSendMs === undefined)).toBe(true);
    expect(t.turns.map((x) => x.appendTokens)).toEqual([300, 100, 80, 120]);
  });
});
