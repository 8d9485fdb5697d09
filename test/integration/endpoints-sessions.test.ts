// A Claude Code session trace (kv-cache-tester's capture of a Claude Code client, with
// sub-agents) run closed-loop as Anthropic Messages and as OpenAI Responses conversations
// against the simulator: every turn of every agent arrives once on the API's path with its
// recorded prompt length and output length, and succeeds.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { flagArgs } from './support/flags';
import { readTrace } from '../../src/trace/read';
import { planSessions } from '../../src/sessions/plan';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';

const EXCERPT = 'traces/sessions/kvcache-tester-0282-excerpt.json';
const group = planSessions(readTrace(readFileSync(EXCERPT, 'utf8'), EXCERPT), 0, { join: 'recorded', defaultBlockSize: 64 })[0];

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
    it(`${endpoint}: every turn of every agent once, with its recorded lengths`, async () => {
      const runId = `cc-${endpoint}`;
      const run = await runCli(['sessions', ...flagArgs({ traces: EXCERPT, 'base-url': sim.url, model: 'sim-model', 'run-id': runId, endpoint,
        'summary-json': join(dir, `${runId}.json`), 'time-scale': 0.02, quiet: true })], {}, 120_000);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, group.requests);
      const byTurn = new Map(gt.map((r) => [/-s0-a(\d+)-t(\d+)$/.exec(r.id)!.slice(1).join('/'), r]));
      expect(byTurn.size).toBe(group.requests);
      group.agents.forEach((agent, a) => agent.turns.forEach((t, i) => {
        expect(byTurn.get(`${a}/${i}`), `agent ${a} turn ${i}`).toMatchObject({ endpoint: `/v1/${endpoint}`, status: 200, promptTokens: t.inputTokens, completionTokens: t.outputTokens });
      }));
      // Later turns reuse the session's earlier blocks: the prefix cache saw the conversation grow.
      expect(gt.reduce((s, r) => s + r.cachedTokens, 0)).toBeGreaterThan(0);
    }, 150_000);
  }

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
