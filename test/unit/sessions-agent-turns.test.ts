// A recorded agent's turns on Messages and Responses (src/sessions/agent-turns.ts): the words the
// server counts add up to each turn's prompt exactly, every tool result answers the call of the
// reply just before it, and a turn whose blocks do not extend the previous ones starts over.

import { describe, expect, it } from 'vitest';
import { AgentTurns, isRecordedAgent, type AgentApi } from '../../src/sessions/agent-turns';
import { countWords } from '../../src/prompt/words';
import type { PlannedAgent, PlannedTurn } from '../../src/sessions/plan';

const wait = { anchor: 'prev' as const, idleMs: 0, anchorApiMs: 0 };

function turn(inputTokens: number, outputTokens: number, keep: number, add: number, o: Partial<PlannedTurn> = {}): PlannedTurn {
  return { inputTokens, outputTokens, keep, add: Array.from({ length: add }, (_, i) => keep + i + 1), wait, joins: [], spawns: [], ...o };
}

const agent: PlannedAgent = {
  id: 's', parent: -1, spawnAfterTurn: -1, spawnsAtStart: [], joinsAtEnd: [], accumulates: false, systemTokens: 30, toolTokens: 40,
  turns: [
    turn(100, 10, 0, 1, { inputTypes: ['text'], outputTypes: ['text', 'tool_use'], stop: 'tool_use', spawns: [1, 2] }),
    turn(150, 20, 1, 1, { inputTypes: ['tool_result'], outputTypes: ['tool_use'], stop: 'tool_use' }),
    turn(190, 5, 2, 1, { inputTypes: ['tool_result'], outputTypes: ['text'], stop: 'end_turn' }),
    turn(230, 5, 3, 1, { inputTypes: ['text'] }),
    // Blocks that do not extend the previous turn's: a new conversation.
    turn(120, 5, 1, 1, { inputTypes: ['text'] }),
  ],
};

/** n distinct words w0 .. w(n-1), single spaces. */
const text = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

/** Words the simulator counts in a request: system, tool definitions as JSON, every content piece. */
function serverWords(api: AgentApi, r: { system: string; tools: unknown[]; messages: unknown[] }, held: number): number {
  let n = countWords(r.system) + (r.tools.length ? countWords(JSON.stringify(r.tools)) : 0) + held;
  for (const m of r.messages as Array<Record<string, unknown>>) {
    if (api === 'responses' && m.type === 'function_call') n += countWords(m.arguments as string);
    else if (api === 'responses' && m.type === 'function_call_output') n += countWords(m.output as string);
    else if (typeof m.content === 'string') n += countWords(m.content);
    else for (const b of m.content as Array<Record<string, unknown>>) n += countWords(b.type === 'tool_use' ? JSON.stringify(b.input) : String(b.text ?? b.content));
  }
  return n;
}

describe('AgentTurns', () => {
  it('knows a recorded agent', () => {
    expect(isRecordedAgent(agent)).toBe(true);
    expect(isRecordedAgent({ ...agent, systemTokens: undefined, toolTokens: undefined, turns: [turn(10, 1, 0, 0)] })).toBe(false);
  });

  for (const api of ['messages', 'responses'] as const) {
    it(`${api}: exact words per turn, tool results paired with the calls before them`, () => {
      const t = new AgentTurns(agent, { api, serverState: false, tag: 'a0' });
      const sent = agent.turns.map((x, i) => t.request(i, x.inputTokens, text(t.textWords(i, x.inputTokens))));
      sent.forEach((r, i) => expect(serverWords(api, r, 0), `turn ${i}`).toBe(agent.turns[i].inputTokens));
      expect(sent[0].system.split(' ')).toHaveLength(30);
      expect(sent[0].tools).toHaveLength(8);
      expect(countWords(JSON.stringify(sent[0].tools))).toBe(40);
      if (api === 'messages') {
        const m = sent[1].messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
        // Turn 0 spawned two sub-agents: two Task calls, answered in order by id.
        expect(m.map((x) => x.role)).toEqual(['user', 'assistant', 'user']);
        expect(m[1].content.map((b) => [b.type, b.name, b.id])).toEqual([['tool_use', 'Task', 'toolu_a0_t0_0'], ['tool_use', 'Task', 'toolu_a0_t0_1']]);
        expect(m[2].content.map((b) => [b.type, b.tool_use_id])).toEqual([['tool_result', 'toolu_a0_t0_0'], ['tool_result', 'toolu_a0_t0_1']]);
        // Recorded output length 10 goes into the calls (5 + 5 words).
        expect(m[1].content.map((b) => countWords(JSON.stringify(b.input)))).toEqual([5, 5]);
        // Turn 2 answered with text (end_turn): the next turn is a text reply and a user message.
        const m3 = sent[3].messages as Array<{ role: string; content: unknown }>;
        expect(m3.slice(-2).map((x) => x.role)).toEqual(['assistant', 'user']);
        expect(typeof m3[m3.length - 1].content).toBe('string');
      } else {
        const items = sent[2].messages as Array<Record<string, unknown>>;
        expect(items.map((x) => x.type ?? x.role)).toEqual(['user', 'function_call', 'function_call', 'function_call_output', 'function_call_output', 'function_call', 'function_call_output']);
        expect(items[5]).toMatchObject({ call_id: 'call_a0_t1_0', name: 'Read' });
        expect(items[6]).toMatchObject({ call_id: 'call_a0_t1_0' });
      }
      // Each turn sends the previous one's conversation unchanged, then its new turns.
      for (let i = 1; i < 4; i++) expect(sent[i].messages.slice(0, sent[i - 1].messages.length)).toEqual(sent[i - 1].messages);
      expect(sent[4].messages).toHaveLength(1);
    });
  }

  it('responses, server state: continues the stored response with only the new items, the stored reply counted', () => {
    const t = new AgentTurns(agent, { api: 'responses', serverState: true, tag: 'a0' });
    const first = t.request(0, 100, text(t.textWords(0, 100)));
    expect(first.previousResponseId).toBeUndefined();
    t.reply('resp_1', 'r1 r2 r3');
    const second = t.request(1, 150, text(t.textWords(1, 150)));
    expect(second.previousResponseId).toBe('resp_1');
    expect((second.messages as Array<{ type: string }>).map((x) => x.type)).toEqual(['function_call', 'function_call', 'function_call_output', 'function_call_output']);
    // stored: turn 0's 100 words + the 3-word reply; new: the rest.
    expect(serverWords('responses', { system: '', tools: [], messages: second.messages }, 0)).toBe(150 - 100 - 3);
    // A failed turn leaves nothing to continue: the whole conversation goes again.
    t.reply(undefined, undefined);
    const third = t.request(2, 190, text(t.textWords(2, 190)));
    expect(third.previousResponseId).toBeUndefined();
    expect(serverWords('responses', third, 0)).toBe(190);
  });
});
