// Closed-loop sessions end to end: the engine CLI (llm-replay sessions) runs against the real
// simulator, whose ground truth (one record per X-Request-Id "<run>-s<draw>-a<agent>-t<turn>")
// says what arrived when. Timings are compared as ratios of recorded waits, never as absolute
// thresholds.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { flagArgs } from './support/flags';
import { readTrace } from '../../src/trace/read';
import { planSessions, type SessionGroup } from '../../src/sessions/plan';
import { sendAtMs, type TimingOptions } from '../../src/sessions/timing';
import { percentile } from '../../src/metrics/formulas';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import type { SessionsResult } from '../../src/sessions/summary';

const EXCERPT = 'traces/sessions/kvcache-tester-0282-excerpt.json';
const HAND = 'traces/sessions/hand-built-subagent.json';

function plan(file: string): SessionGroup {
  return planSessions(readTrace(readFileSync(file, 'utf8'), file), 0, { join: 'recorded', defaultBlockSize: 64 })[0];
}

/** Ground truth of draw 0 by "agent/turn". */
async function turns(sim: RunningSim, runId: string, count: number): Promise<Map<string, GroundTruthRecord>> {
  const recs = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, count);
  const m = new Map<string, GroundTruthRecord>();
  for (const r of recs) {
    const k = /-s0-a(\d+)-t(\d+)$/.exec(r.id);
    if (!k) throw new Error(`unexpected request id ${r.id}`);
    expect(m.has(`${k[1]}/${k[2]}`), `${r.id} arrived twice`).toBe(false);
    m.set(`${k[1]}/${k[2]}`, r);
  }
  return m;
}

function args(sim: RunningSim, dir: string, runId: string, traces: string, extra: Record<string, string | number | boolean> = {}): string[] {
  return ['sessions', ...flagArgs({ traces, 'base-url': sim.url, model: 'sim-model', 'run-id': runId, 'summary-json': join(dir, `${runId}.json`), ...extra })];
}

interface Gap {
  key: string;
  expectedMs: number;
  measuredMs: number;
}

/**
 * For every turn after a first one: the wait after its anchor that the timing mode asks for,
 * computed from the ground truth of its dependencies (send = arrival, end = finish), and the
 * wait measured at the server.
 */
function gaps(g: SessionGroup, gt: Map<string, GroundTruthRecord>, o: TimingOptions): Gap[] {
  const out: Gap[] = [];
  g.agents.forEach((agent, a) => {
    agent.turns.forEach((turn, i) => {
      const w = turn.wait;
      const dep = w.anchor === 'prev' ? gt.get(`${a}/${i - 1}`)
        : w.anchor === 'spawn' ? gt.get(`${agent.parent}/${agent.spawnAfterTurn}`)
          : w.anchor === 'agent' ? gt.get(`${w.agent}/${g.agents[w.agent!].turns.length - 1}`) : undefined;
      if (!dep) return;
      let ready = dep.finishMs;
      if (i > 0) ready = Math.max(ready, gt.get(`${a}/${i - 1}`)!.finishMs);
      for (const j of turn.joins) ready = Math.max(ready, gt.get(`${j}/${g.agents[j].turns.length - 1}`)!.finishMs);
      const at = sendAtMs(w, { sendMs: dep.arrivalMs, endMs: dep.finishMs }, ready, o);
      out.push({ key: `${a}/${i}`, expectedMs: at - dep.finishMs, measuredMs: gt.get(`${a}/${i}`)!.arrivalMs - dep.finishMs });
    });
  });
  return out;
}

function span(gt: Map<string, GroundTruthRecord>, agent: number, n: number): [number, number] {
  return [gt.get(`${agent}/0`)!.arrivalMs, gt.get(`${agent}/${n - 1}`)!.finishMs];
}

describe('closed-loop sessions against the simulator', () => {
  let sim: RunningSim;
  const dir = tempDir('sessions');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--time-scale', '0.02', '--max-model-len', '200000', '--kv-blocks', '100000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('replays a kv-cache-tester session with sub-agents: every request once, in order, think times kept, sub-agents beside the parent', async () => {
    const g = plan(EXCERPT);
    const TIME_SCALE = 0.02;
    const run = await runCli(args(sim, dir, 'excerpt', EXCERPT, { 'time-scale': TIME_SCALE }), {}, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const gt = await turns(sim, 'excerpt', g.requests);

    // The right number of requests: every turn of every agent, once.
    expect(gt.size).toBe(17);
    g.agents.forEach((agent, a) => agent.turns.forEach((t, i) => {
      const r = gt.get(`${a}/${i}`);
      expect(r, `agent ${a} turn ${i}`).toBeDefined();
      expect(r!.promptTokens).toBe(t.inputTokens);
      expect(r!.completionTokens).toBe(t.outputTokens);
      expect(r!.status).toBe(200);
    }));

    // Order inside each agent: closed loop, each turn after the previous response ended.
    g.agents.forEach((agent, a) => {
      for (let i = 1; i < agent.turns.length; i++) expect(gt.get(`${a}/${i}`)!.arrivalMs).toBeGreaterThan(gt.get(`${a}/${i - 1}`)!.finishMs);
    });

    // Think times (and spawn and join gaps): never early; long ones within a few percent.
    const all = gaps(g, gt, { mode: 'think-only', timeScale: TIME_SCALE, apiScale: 1 });
    expect(all.length).toBe(17 - 1);
    for (const x of all) expect(x.measuredMs, x.key).toBeGreaterThanOrEqual(x.expectedMs - 1);
    const long = all.filter((x) => x.expectedMs >= 150);
    expect(long.length).toBeGreaterThanOrEqual(6);
    const ratios = long.map((x) => x.measuredMs / x.expectedMs).sort((a, b) => a - b);
    console.log(`think-time ratios measured/recorded (${long.length} waits >= 150 ms): median ${percentile(ratios, 50).toFixed(4)}, max ${ratios[ratios.length - 1].toFixed(4)}; ` +
      `errors ms: ${long.map((x) => (x.measuredMs - x.expectedMs).toFixed(1)).join(' ')}`);
    expect(percentile(ratios, 50)).toBeLessThan(1.02);
    expect(ratios[ratios.length - 1]).toBeLessThan(1.25);

    // Sub-agents as recorded: agent_001 and agent_002 run together and before the parent's third
    // turn, which waits for them; that turn runs beside agent_003; the fourth waits for it.
    const [s1, s2, s3] = [span(gt, 1, 3), span(gt, 2, 3), span(gt, 3, 6)];
    const p2 = gt.get('0/2')!;
    const p3 = gt.get('0/3')!;
    expect(s1[0]).toBeLessThan(s2[1]);
    expect(s2[0]).toBeLessThan(s1[1]);
    expect(p2.arrivalMs).toBeGreaterThan(Math.max(s1[1], s2[1]));
    expect(p2.arrivalMs).toBeLessThan(s3[1]);
    expect(p2.finishMs).toBeGreaterThan(s3[0]);
    expect(p3.arrivalMs).toBeGreaterThan(s3[1]);
    expect(s1[0]).toBeGreaterThan(gt.get('0/1')!.finishMs);

    const summary = JSON.parse(readFileSync(join(dir, 'excerpt.json'), 'utf8')) as SessionsResult;
    expect(summary.sessions).toMatchObject({ started: 1, ok: 1, failed: 0, aborted: 0 });
    expect(summary.serving.requests).toMatchObject({ planned: 17, sent: 17, succeeded: 17 });
    expect(run.stdout).toMatch(/Serving Benchmark Result/);
    expect(run.stdout).toMatch(/Per-session metrics/);
    expect(run.stdout).toMatch(/Workload: 1\/1 sessions completed/);
  });

  it('lands every turn on its recorded prompt length through a chat template (--template-tokens)', async () => {
    const templated = await startSim(['--preset', 'fast', '--time-scale', '0.02', '--chat-template-tokens', '9', '--max-model-len', '200000', '--kv-blocks', '100000', '--quiet']);
    try {
      const g = plan(EXCERPT);
      const run = await runCli(args(templated, dir, 'template', EXCERPT, { 'time-scale': 0.02, 'template-tokens': 9 }), {}, 120_000);
      expect(run.code, run.stderr).toBe(0);
      const gt = await turns(templated, 'template', g.requests);
      g.agents.forEach((agent, a) => agent.turns.forEach((t, i) => expect(gt.get(`${a}/${i}`)?.promptTokens, `agent ${a} turn ${i}`).toBe(t.inputTokens)));
    } finally {
      await templated.stop();
    }
  });

  it('TTFAT is session start -> first token of the final turn (hand-built trace)', async () => {
    const g = plan(HAND);
    const run = await runCli(args(sim, dir, 'ttfat', HAND, { 'time-scale': 0.5 }), {}, 60_000);
    expect(run.code, run.stderr).toBe(0);
    const gt = await turns(sim, 'ttfat', g.requests);
    const summary = JSON.parse(readFileSync(join(dir, 'ttfat.json'), 'utf8')) as SessionsResult;
    // The session starts when its first request is sent: the server sees it a moment later.
    const expected = gt.get('0/2')!.firstTokenMs! - gt.get('0/0')!.arrivalMs;
    const measured = summary.perSession.ttfatS!.mean * 1000;
    console.log(`TTFAT: engine ${measured.toFixed(2)} ms, ground truth ${expected.toFixed(2)} ms`);
    expect(summary.perSession.ttfatS!.count).toBe(1);
    expect(measured / expected).toBeGreaterThan(0.99);
    expect(measured / expected).toBeLessThan(1.01);
    // The final turn waited for the sub-agent, which ran beside the parent's second turn.
    expect(gt.get('0/2')!.arrivalMs).toBeGreaterThan(gt.get('1/1')!.finishMs);
    expect(gt.get('1/0')!.arrivalMs).toBeLessThan(gt.get('0/1')!.finishMs);
    // Session TTFT is its first request's; latency ends with its last response.
    expect(summary.perSession.ttftS!.mean * 1000 / (gt.get('0/0')!.firstTokenMs! - gt.get('0/0')!.arrivalMs)).toBeGreaterThan(0.9);
    expect(summary.perSession.latencyS!.mean * 1000 / (gt.get('0/2')!.finishMs - gt.get('0/0')!.arrivalMs)).toBeGreaterThan(0.99);
  });

  it('timing modes: original keeps send-to-send spacing, api-scaled adds scaled server time, no-wait sends at once', async () => {
    const g = plan(HAND);
    for (const [mode, extra] of [['original', {}], ['api-scaled', { 'api-scale': 0.5 }], ['no-wait', {}]] as const) {
      const runId = `mode-${mode}`;
      const o: TimingOptions = { mode, timeScale: 0.3, apiScale: 'api-scale' in extra ? extra['api-scale'] : 1 };
      const run = await runCli(args(sim, dir, runId, HAND, { timing: mode, 'time-scale': o.timeScale, ...extra }), {}, 60_000);
      expect(run.code, run.stderr).toBe(0);
      const gt = await turns(sim, runId, g.requests);
      expect(gt.size).toBe(5);
      for (const x of gaps(g, gt, o)) {
        expect(x.measuredMs, `${mode} ${x.key}`).toBeGreaterThanOrEqual(x.expectedMs - 1);
        if (x.expectedMs >= 100) expect(x.measuredMs / x.expectedMs, `${mode} ${x.key}`).toBeLessThan(1.1);
        else expect(x.measuredMs - x.expectedMs, `${mode} ${x.key}`).toBeLessThan(25);
      }
    }
  });

  it('reasoning counts as output; --no-max-tokens; --debug-bodies writes every body with the API key redacted', async () => {
    const secret = 'sk-test-0123456789abcdef';
    const debugFile = join(dir, 'bodies.jsonl');
    const runId = 'debug';
    const run = await runCli(args(sim, dir, runId, HAND, {
      'time-scale': 0.1, 'debug-bodies': debugFile, 'no-max-tokens': true, headers: JSON.stringify({ 'x-sim-reasoning': '3' }),
    }), { OPENAI_API_KEY: secret }, 60_000);
    expect(run.code, run.stderr).toBe(0);
    const gt = await turns(sim, runId, 5);
    // The simulator's default output length applies when no max_tokens is sent.
    for (const r of gt.values()) expect(r.maxTokens).toBe(16);
    const lines = readFileSync(debugFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    for (const l of lines) {
      expect(l.request).not.toHaveProperty('max_tokens');
      expect(l.headers.Authorization).toBe('[redacted]');
      expect(l.events.some((e: string) => e.includes('reasoning'))).toBe(true);
      expect(l.events[l.events.length - 1]).toBe('[DONE]');
    }
    const summary = readFileSync(join(dir, `${runId}.json`), 'utf8');
    for (const text of [run.stdout, run.stderr, readFileSync(debugFile, 'utf8'), summary]) expect(text).not.toContain(secret);
    const r = JSON.parse(summary) as SessionsResult;
    // 16 tokens per request, the first 3 of each as reasoning: all counted as output.
    expect(r.serving.tokens.output).toBe(5 * 16);
  });
});
