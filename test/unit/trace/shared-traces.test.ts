// The full public traces in ../shared/traces (beside the repository on the project's machines
// and in CI): every file reads without a bad row, with the counts its README states.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../../src/trace/read';

const SHARED = join(__dirname, '../../../../shared/traces');
const have = existsSync(SHARED);

describe.skipIf(!have)('shared real traces', () => {
  it('the 24 kv-cache-tester sessions: 1,584 requests, 6 sub-agents with 70 requests', () => {
    const dir = join(SHARED, 'claude-code');
    let parentTurns = 0;
    let subagents = 0;
    let subagentTurns = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const t = readTrace(readFileSync(join(dir, f), 'utf8'), f);
      expect(t.format).toBe('kvcache-tester');
      expect(t.skippedCount ?? 0).toBe(0);
      for (const s of t.sessions) {
        if (s.parentId) {
          subagents++;
          subagentTurns += s.turns.length;
          expect(t.sessions.find((p) => p.id === s.parentId)!.turns.length).toBeGreaterThan(s.spawnAfterTurn!);
        } else parentTurns += s.turns.length;
        for (const turn of s.turns) expect(turn.blocks!.length).toBe(Math.floor(turn.inputTokens / 64));
      }
    }
    expect({ parentTurns, subagents, subagentTurns }).toEqual({ parentTurns: 1584, subagents: 6, subagentTurns: 70 });
  });

  it('the Mooncake conversation trace: 12,031 requests ending at 3,536,999 ms', () => {
    const t = readTrace(readFileSync(join(SHARED, 'mooncake/conversation_trace.jsonl'), 'utf8'), 'conversation_trace.jsonl');
    expect(t.sessions).toHaveLength(12_031);
    expect(t.sessions[t.sessions.length - 1].turns[0].atMs).toBe(3_536_999);
  });

  it('the Azure 2023 conversation trace: 19,366 requests over about an hour', () => {
    const t = readTrace(readFileSync(join(SHARED, 'azure/AzureLLMInferenceTrace_conv.csv'), 'utf8'), 'conv.csv');
    expect(t.sessions).toHaveLength(19_366);
    const last = t.sessions[t.sessions.length - 1].turns[0].atMs!;
    expect(last / 3_600_000).toBeGreaterThan(0.9);
    expect(last / 3_600_000).toBeLessThan(1.1);
  });
});
