// docs/scripting.md's example scenario, run as a user runs it: `llm-replay run
// examples/scenario.ts` against the real simulator. Checks the table, the custom metrics, the
// summary JSON against the simulator's ground truth, handleSummary's file, thresholds (exit 99),
// a syntax error (exit 2, file:line), segments over two processes, and that the example
// type-checks as a user's project would.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, readJsonl, runCli, startSim, tempDir, type RunningSim } from './support/processes';

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 60_000);

// The example's schedule with its defaults: 10 req/s for 2 s open, then 2 VUs x 3 turns.
const OPEN = 20;
const CLOSED = 2 * 3;

describe('llm-replay run examples/scenario.ts', () => {
  let sim: RunningSim;
  const dir = tempDir('scripting');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('runs the example: table, custom metrics, thresholds, summary JSON, handleSummary file, jsonl', async () => {
    const summary = join(dir, 'summary.json');
    const hook = join(dir, 'hook.json');
    const jsonl = join(dir, 'requests.jsonl');
    const r = await cli(['run', 'examples/scenario.ts', '--base-url', sim.url, '--run-id', 'scr-a', '--summary-json', summary, '--out', `jsonl=${jsonl}`], { SCENARIO_SUMMARY_FILE: hook });
    expect(r.stderr).not.toMatch(/threw|request \S+ failed/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Serving Benchmark Result');
    expect(r.stdout).toMatch(/Successful requests:\s+26/);
    expect(r.stdout).toMatch(/CUSTOM METRICS[\s\S]*long_answers\.+: 4 /);
    expect(r.stdout).toMatch(/think_cycle\.+: avg=\d+(\.\d+)?ms/);
    expect(r.stdout).toContain('all 4 thresholds passed');
    expect(r.stdout).toMatch(/example: 26 ok, TTFT p50 [\d.]+ ms/);

    const s = JSON.parse(readFileSync(summary, 'utf8'));
    expect(s.requests).toMatchObject({ sent: OPEN + CLOSED, succeeded: OPEN + CLOSED, failed: 0 });
    expect(s.run).toMatchObject({ trace: 'example', format: 'scenario', platform: 'engine' });
    // Every 5th open-loop request asks for 48 tokens (ignore_eos): 4 long answers.
    expect(s.custom.long_answers.count).toBe(4);
    expect(s.custom.answer_tokens.count).toBe(OPEN + CLOSED);
    expect(s.engine.thresholds.llm_ttft).toEqual({ 'p(99)<5000': { ok: true } });
    expect(s.tokens.output).toBe(4 * 48 + 16 * 16 + CLOSED * 24);

    // The simulator saw exactly these requests, each once.
    const truth = await groundTruthFor<{ id: string }>(sim.groundTruth, 'scr-a-', OPEN + CLOSED);
    expect(new Set(truth.map((t) => t.id)).size).toBe(OPEN + CLOSED);

    expect(JSON.parse(readFileSync(hook, 'utf8'))).toMatchObject({ succeeded: OPEN + CLOSED, longAnswers: 4 });
    const records = readJsonl<{ id: string; ok: boolean; ttftMs: number; lagMs: number }>(jsonl);
    expect(records).toHaveLength(OPEN + CLOSED);
    expect(records.every((x) => x.ok && x.ttftMs > 0)).toBe(true);
  });

  it('exits 99 and marks the threshold when TTFT is over the limit', async () => {
    const r = await cli(['run', 'examples/scenario.ts', '--base-url', sim.url, '--summary-json', join(dir, 'fail.json'), '--threshold', 'e2e:max<100000'],
      { SCENARIO_TTFT_P99_MS: '0.001', SCENARIO_SECONDS: '0.5', SCENARIO_SUMMARY_FILE: join(dir, 'fail-hook.json') });
    expect(r.code).toBe(99);
    expect(r.stdout).toMatch(/✗ 'p\(99\)<0.001' p\(99\)=[\d.]+ms/);
    expect(r.stdout).toMatch(/✓ 'max<100000'/);
    expect(r.stdout).toContain('1 of 5 thresholds failed');
    expect(JSON.parse(readFileSync(join(dir, 'fail.json'), 'utf8')).engine.thresholds.llm_ttft).toEqual({ 'p(99)<0.001': { ok: false } });
  });

  it('splits the example over two processes by segment: every request sent once', async () => {
    const seq = '0,1/2,1';
    const [a, b] = await Promise.all(['0:1/2', '1/2:1'].map((seg, i) => cli(['run', 'examples/scenario.ts', '--base-url', sim.url, '--run-id', `scr-seg${i}`,
      '--segment', seg, '--segment-sequence', seq, '--summary-json', join(dir, `seg${i}.json`)], { SCENARIO_SUMMARY_FILE: join(dir, `seg${i}-hook.json`) })));
    expect([a.code, b.code]).toEqual([0, 0]);
    const sent = [0, 1].map((i) => JSON.parse(readFileSync(join(dir, `seg${i}.json`), 'utf8')).requests.sent as number);
    // Open-loop arrivals are striped (10 + 10), VUs too (1 + 1, 3 turns each).
    expect(sent).toEqual([OPEN / 2 + 3, OPEN / 2 + 3]);
  });

  it('names file:line of a syntax error and exits 2', async () => {
    const file = join(dir, 'broken.ts');
    writeFileSync(file, "import { defineScenario } from 'k6-llm-replay';\nexport default defineScenario({\n  async run(ctx) {\n    await ctx.chat('hi' {});\n  },\n});\n");
    const r = await cli(['run', file, '--base-url', sim.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:4:25: error: Expected ")" but found "{"`);
  });

  it('speaks every API from a scenario: messages, responses, embed and rerank, each measured from its own fields', async () => {
    const file = join(dir, 'apis.ts');
    writeFileSync(file, `import { defineScenario } from 'k6-llm-replay';
export default defineScenario({
  async run(ctx) {
    const out: Record<string, unknown> = {};
    out.messages = await ctx.messages('one two three', { maxTokens: 4 });
    out.responses = await ctx.responses([{ role: 'user', content: 'four five' }], { maxTokens: 3 });
    out.embed = await ctx.embed(['a b', 'c d e']);
    out.rerank = await ctx.rerank('q', ['x y', 'z']);
    ctx.log('RESULTS ' + JSON.stringify(out));
  },
});
`);
    const r = await cli(['run', file, '--base-url', sim.url, '--model', 'sim-model', '--summary-json', join(dir, 'apis.json')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const res = JSON.parse(/RESULTS (.*)/.exec(r.stdout + r.stderr)![1]) as Record<string, Record<string, unknown>>;
    expect(res.messages).toMatchObject({ ok: true, promptTokens: 3, outputTokens: 4, tokenSource: 'usage' });
    expect(res.messages.ttftMs).toBeGreaterThan(0);
    expect(res.responses).toMatchObject({ ok: true, promptTokens: 2, outputTokens: 3, tokenSource: 'usage' });
    expect(res.embed).toMatchObject({ ok: true, promptTokens: 5, outputTokens: 0, batchSize: 2 });
    // Rerank scores (query, document) pairs: q+x y and q+z.
    expect(res.rerank).toMatchObject({ ok: true, promptTokens: 5, outputTokens: 0, batchSize: 2 });
    const summary = JSON.parse(readFileSync(join(dir, 'apis.json'), 'utf8'));
    expect(Object.keys(summary.byEndpoint).sort()).toEqual(['embeddings', 'messages', 'rerank', 'responses']);
  });

  it('type-checks as a user project importing k6-llm-replay', async () => {
    const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'examples'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
