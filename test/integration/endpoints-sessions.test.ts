// A Claude Code session trace (kv-cache-tester's capture of a Claude Code client, with
// sub-agents) run closed-loop as Anthropic Messages and as OpenAI Responses conversations
// against the simulator: every turn of every agent arrives once on the API's path with its
// recorded prompt length and output length, and succeeds; the requests are real agent turns
// (system prompt, tool definitions, tool calls answered by tool results with the same ids,
// Task calls opening the sub-agents), and a broken pairing is a 400 naming the id.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { flagArgs } from './support/flags';
import { readTrace } from '../../src/trace/read';
import { expandBlocks, planSessions } from '../../src/sessions/plan';
import { countWords } from '../../src/prompt/words';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';

const EXCERPT = 'traces/sessions/kvcache-tester-0282-excerpt.json';
const group = planSessions(readTrace(readFileSync(EXCERPT, 'utf8'), EXCERPT), 0, { join: 'recorded', defaultBlockSize: 64 })[0];

type Body = Record<string, unknown>;
type Item = Record<string, unknown>;

/** The request bodies of a run's debug file, by request id. */
function debugBodies(file: string): Map<string, Body> {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('{'));
  return new Map(lines.map((l) => JSON.parse(l.slice(l.indexOf('{'))) as { requestId: string; request: Body }).map((d) => [d.requestId, d.request]));
}

/** Turns that continue their agent's conversation: their blocks extend the previous turn's. */
const continuing = group.agents.flatMap((agent, a) => {
  const blocks = expandBlocks(agent);
  return agent.turns.map((_, i) => (i > 0 && blocks[i].length >= blocks[i - 1].length && blocks[i - 1].every((b, k) => blocks[i][k] === b) ? `${a}/${i}` : '')).filter((k) => k !== '');
});

/** Tool calls and results of a request, in order, as [kind, id, name]. */
function toolTurns(endpoint: 'messages' | 'responses', body: Body): Array<[string, string, string?]> {
  if (endpoint === 'responses') {
    return (body.input as Item[]).filter((x) => x.type === 'function_call' || x.type === 'function_call_output').map((x) => [x.type === 'function_call' ? 'call' : 'result', String(x.call_id), x.name as string | undefined]);
  }
  return (body.messages as Item[]).flatMap((m) => (Array.isArray(m.content) ? (m.content as Item[]) : []))
    .filter((b) => b.type === 'tool_use' || b.type === 'tool_result')
    .map((b) => [b.type === 'tool_use' ? 'call' : 'result', String(b.id ?? b.tool_use_id), b.name as string | undefined]);
}

describe('a Claude Code session on Messages and on Responses', () => {
  let sim: RunningSim;
  const dir = tempDir('endpoint-sessions');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  for (const endpoint of ['messages', 'responses'] as const) {
    it(`${endpoint}: every turn of every agent once, with its recorded lengths, as real tool turns`, async () => {
      const runId = `cc-${endpoint}`;
      const debug = join(dir, `${runId}.debug.jsonl`);
      const run = await runCli(['sessions', ...flagArgs({ traces: EXCERPT, 'base-url': sim.url, model: 'sim-model', 'run-id': runId, endpoint,
        'debug-bodies': debug, 'summary-json': join(dir, `${runId}.json`), 'time-scale': 0.02, quiet: true })], {}, 120_000);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, group.requests);
      const byTurn = new Map(gt.map((r) => [/-s0-a(\d+)-t(\d+)$/.exec(r.id)!.slice(1).join('/'), r]));
      expect(byTurn.size).toBe(group.requests);
      group.agents.forEach((agent, a) => agent.turns.forEach((t, i) => {
        expect(byTurn.get(`${a}/${i}`), `agent ${a} turn ${i}`).toMatchObject({ endpoint: `/v1/${endpoint}`, status: 200, promptTokens: t.inputTokens, completionTokens: t.outputTokens });
      }));
      expect(gt.reduce((s, r) => s + r.promptTokens, 0)).toBe(group.agents.reduce((s, g) => s + g.turns.reduce((n, t) => n + t.inputTokens, 0), 0));
      // Later turns reuse the session's earlier blocks: the prefix cache saw the conversation grow.
      expect(gt.reduce((s, r) => s + r.cachedTokens, 0)).toBeGreaterThan(0);

      const bodies = debugBodies(debug);
      const bodyOf = (a: number, i: number) => bodies.get(`${runId}-s0-a${a}-t${i}`)!;
      let results = 0;
      group.agents.forEach((agent, a) => {
        // The system prompt and tool definitions the trace sized open every request of the agent.
        const first = bodyOf(a, 0);
        expect(countWords(String(endpoint === 'messages' ? first.system : first.instructions)), `agent ${a} system`).toBe(agent.systemTokens);
        expect(countWords(JSON.stringify(first.tools)), `agent ${a} tools`).toBe(agent.toolTokens);
        agent.turns.forEach((_, i) => {
          const turns = toolTurns(endpoint, bodyOf(a, i));
          // Every result answers a call made before it; continuing turns end with the answers to the previous reply's calls.
          const calls = new Set(turns.filter((t) => t[0] === 'call').map((t) => t[1]));
          for (const [kind, id] of turns) if (kind === 'result') expect(calls.has(id), `agent ${a} turn ${i}: ${id}`).toBe(true);
          const last = turns.filter((t) => t[1].includes(`_t${i - 1}_`));
          if (!continuing.includes(`${a}/${i}`)) {
            expect(last, `agent ${a} turn ${i} starts over`).toEqual([]);
            return;
          }
          const n = Math.max(1, agent.turns[i - 1].spawns.length);
          expect(last.map((t) => t[0]), `agent ${a} turn ${i}`).toEqual([...Array(n).fill('call'), ...Array(n).fill('result')]);
          // A turn that spawned sub-agents called Task once per sub-agent.
          if (agent.turns[i - 1].spawns.length) expect(last.slice(0, n).map((t) => t[2])).toEqual(Array(n).fill('Task'));
          results += n;
        });
      });
      expect(results).toBeGreaterThanOrEqual(continuing.length);
      expect(continuing.length).toBeGreaterThan(group.requests / 2);
    }, 150_000);
  }

  it('responses, server state: the Claude Code session continues stored responses with only its new tool items, lengths exact', async () => {
    const runId = 'cc-responses-server';
    const debug = join(dir, `${runId}.debug.jsonl`);
    const run = await runCli(['sessions', ...flagArgs({ traces: EXCERPT, 'base-url': sim.url, model: 'sim-model', 'run-id': runId, endpoint: 'responses',
      'responses-state': 'server', 'debug-bodies': debug, 'summary-json': join(dir, `${runId}.json`), 'time-scale': 0.02, quiet: true })], {}, 120_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, group.requests);
    const recorded = new Map(group.agents.flatMap((agent, a) => agent.turns.map((t, i) => [`-s0-a${a}-t${i}`, t.inputTokens] as const)));
    expect(new Map(gt.map((r) => [r.id.slice(runId.length), r.promptTokens]))).toEqual(recorded);
    expect(gt.every((r) => r.status === 200)).toBe(true);
    const continued = [...debugBodies(debug).values()].filter((b) => typeof b.previous_response_id === 'string');
    expect(continued.length).toBeGreaterThan(group.requests / 2);
    for (const b of continued) {
      const kinds = (b.input as Item[]).map((x) => x.type);
      expect(kinds.every((k) => k === 'function_call' || k === 'function_call_output'), JSON.stringify(kinds)).toBe(true);
    }
  }, 150_000);

  it('a tool result that answers no call of the previous turn is a 400 naming its id', async () => {
    const post = async (path: string, body: unknown) => {
      const r = await fetch(sim.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, text: await r.text() };
    };
    const use = { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } };
    const ok = await post('/v1/messages', { model: 'sim-model', max_tokens: 2, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [use] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'y' }] }] });
    expect(ok.status, ok.text).toBe(200);
    const broken = await post('/v1/messages', { model: 'sim-model', max_tokens: 2, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [use] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'y' }] }] });
    expect(broken.status).toBe(400);
    expect(broken.text).toContain('unexpected `tool_use_id` found in `tool_result` blocks: toolu_2');
    const orphan = await post('/v1/responses', { model: 'sim-model', max_output_tokens: 2, input: [{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: 'call_9', output: 'y' }] });
    expect(orphan.status).toBe(400);
    expect(orphan.text).toContain('No call message found for call_9');
  });

  // --responses-state server: each turn of a growing conversation continues the stored response
  // (previous_response_id, store: true; src/sim/endpoints/response-store.ts) and sends only its
  // new input; the server's prompt must be exactly as long as when the client sends it whole.
  it('responses: a growing conversation continued with previous_response_id has the prompts of sending it whole', async () => {
    const trace = 'traces/aiperf-sessions-sample.jsonl';
    const groups = planSessions(readTrace(readFileSync(trace, 'utf8'), trace), 0, { join: 'recorded', defaultBlockSize: 64 });
    const requests = groups.reduce((n, g) => n + g.requests, 0);
    const continuedExpected = groups.flatMap((g) => g.agents).filter((a) => a.accumulates).reduce((n, a) => n + a.turns.length - 1, 0);
    expect(continuedExpected).toBeGreaterThan(0);
    const prompts = new Map<string, Map<string, number>>();
    for (const state of ['client', 'server'] as const) {
      const runId = `conv-${state}`;
      const debug = join(dir, `${runId}.debug.jsonl`);
      const run = await runCli(['sessions', ...flagArgs({ traces: trace, 'base-url': sim.url, model: 'sim-model', 'run-id': runId, endpoint: 'responses',
        'responses-state': state, 'debug-bodies': debug, 'summary-json': join(dir, `${runId}.json`), 'time-scale': 0.02, quiet: true })], {}, 120_000);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, requests);
      expect(gt.every((r) => r.status === 200), JSON.stringify(gt.map((r) => r.status))).toBe(true);
      prompts.set(state, new Map(gt.map((r) => [r.id.slice(runId.length), r.promptTokens])));
      const bodies = readFileSync(debug, 'utf8').split('\n').filter((l) => l.includes('{')).map((l) => JSON.parse(l.slice(l.indexOf('{'))) as { request?: Record<string, unknown> });
      const continued = bodies.filter((b) => typeof b.request?.previous_response_id === 'string').length;
      expect(continued, `${state}: requests continuing a stored response`).toBe(state === 'server' ? continuedExpected : 0);
    }
    expect(prompts.get('server')!.size).toBe(requests);
    expect(prompts.get('server')).toEqual(prompts.get('client'));
  }, 150_000);
});
