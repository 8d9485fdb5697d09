// report compare --fail-on against real runs of the simulator: a planted regression (the same
// workload on a slower preset) fails the CI gate with exit 99, two runs of one setup pass it;
// and a replay's summary carries the run card, the cost (--cost-per-hour, split by the engine's
// prefill/decode time) and the GPU energy from the simulator's DCGM series (--gpu-metrics-url),
// with the API key nowhere in what it writes.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { EXIT } from '../../src/engine/exit-codes';
import type { RunSummary } from '../../src/report/inputs';

const SIM_ARGS = ['--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet'];
const TRACE = 'traces/mooncake-sample.jsonl';
const REQUESTS = 100;
const GATES = ['--fail-on', 'ttft.p99:+10%', '--fail-on', 'errors.rate:+0.5pp'];
const SECRET = 'sk-gate-test-secret-4242';

async function replay(sim: RunningSim, dir: string, trace: string, speedup: number, salt: string, extra: string[] = []): Promise<RunSummary> {
  const run = await runCli([
    'replay', '--trace', trace, '--base-url', sim.url, '--speedup', String(speedup), '--max-requests', String(REQUESTS), '--salt', salt,
    '--summary-json', join(dir, 'summary.json'), '--out', `jsonl=${join(dir, 'requests.jsonl')}`, '--quiet', ...extra,
  ], { OPENAI_API_KEY: SECRET }, 120_000);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout + run.stderr).not.toContain(SECRET);
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
}

describe('CI gate, cost, energy and run card', () => {
  let sim: RunningSim;
  const work = tempDir('gate');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', ...SIM_ARGS]);
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('summary: run card (tool, trace sha256, flags, seeds, server card, transport), cost per million tokens split by engine time, energy per token from DCGM series', async () => {
    const dir = join(work, 'card');
    const s = await replay(sim, dir, TRACE, 20, 'card-salt', ['--cost-per-hour', '2.50', '--gpu-metrics-url', `${sim.url}/dcgm/metrics`]);
    const c = s.runCard!;
    expect(c.tool.name).toBe('k6-llm-replay');
    expect(c.tool.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(c.node).toBe(process.version);
    expect(c.host.cores).toBeGreaterThan(0);
    expect(c.traces[0].sha256).toBe(createHash('sha256').update(readFileSync(TRACE)).digest('hex'));
    expect(c.rowsReplayed).toBe(s.requests.sent);
    expect(c.flags['cost-per-hour']).toBe('2.50');
    expect(c.seeds).toEqual({ salt: 'card-salt' });
    expect((c.server.models![0] as { id: string }).id).toBe(s.run.model);
    expect(c.server.version).toEqual({ version: 'k6-llm-replay-sim' });
    // The transport that ran (native where the addon is built, else js), as the summary says.
    expect(['native', 'js']).toContain(c.transport);
    expect(c.transport).toBe((s as { transport?: string }).transport);
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).not.toContain(SECRET);
    expect(readFileSync(join(dir, 'requests.jsonl'), 'utf8')).not.toContain(SECRET);

    // Cost: price x the run's duration, split by the simulator's prefill/decode time sums.
    const cost = s.cost!;
    expect(cost.totalUsd).toBeCloseTo((2.5 * s.durationS) / 3600, 9);
    expect(cost.split.source).toBe('engine');
    expect(cost.split.prefillS).toBeGreaterThan(0);
    expect(cost.perMillionInputTokensUsd! * s.tokens.input / 1e6 + cost.perMillionOutputTokensUsd! * s.tokens.output / 1e6).toBeCloseTo(cost.totalUsd, 9);
    expect(cost.perRequestUsd).toBeCloseTo(cost.totalUsd / s.requests.succeeded, 12);

    // Energy: the energy counter's increase over the run, between the power model's idle and max power.
    const e = s.energy!;
    expect(e.method).toBe('energy-counter');
    expect(e.gpus).toBe(1);
    expect(e.readings).toBeGreaterThanOrEqual(2);
    expect(e.energyJ).toBeGreaterThan(60 * e.durationS * 0.95);
    expect(e.energyJ).toBeLessThan(350 * e.durationS * 1.05);
    expect(e.joulesPerOutputToken).toBeCloseTo(e.energyJ / s.tokens.output, 9);
    expect(e.outputTokensPerJoule).toBeCloseTo(s.tokens.output / e.energyJ, 9);
  }, 120_000);

  it('report compare --fail-on: two runs of one setup hold the gates (exit 0); the same workload on a slower preset fails them (exit 99), with a table and a run-card warning', async () => {
    // The sample's first requests evenly spaced, both runs side by side on one simulator (as the
    // report test does): the same conditions for both.
    const smooth = join(work, 'smooth.jsonl');
    const rows = readFileSync(TRACE, 'utf8').split('\n').filter((l) => l.trim()).slice(0, REQUESTS);
    writeFileSync(smooth, rows.map((l, i) => JSON.stringify({ ...JSON.parse(l), timestamp: i * 100 })).join('\n') + '\n');
    const [a, b] = [join(work, 'a'), join(work, 'b')];
    const even = ['--start-delay-ms', '4000'];
    await Promise.all([replay(sim, a, smooth, 2, 'same-1', even), replay(sim, b, smooth, 2, 'same-2', even)]);
    const same = await runCli(['report', 'compare', a, b, ...GATES, '--quiet']);
    expect(same.code, same.stdout + same.stderr).toBe(EXIT.ok);
    expect(same.stdout).toMatch(/ttft\.p99:\+10%\s+a vs b\s+held/);
    expect(same.stdout).toMatch(/errors\.rate:\+0\.5pp\s+a vs \w+\s+held/);
    expect(same.stdout).toContain('=> all 2 gate check(s) held');
    // The cards differ in the salt only (run id and output paths do not count).
    expect(same.stderr).toContain('differ in 2 thing(s)');
    expect(same.stderr).toContain('flags.salt: "same-1" -> "same-2"');

    // The planted regression: the same workload, a slower engine (preset small: slower steps and prefill).
    const slowSim = await startSim(['--preset', 'small', ...SIM_ARGS]);
    const slow = join(work, 'slow');
    try {
      await replay(slowSim, slow, smooth, 2, 'same-1', even);
    } finally {
      await slowSim.stop();
    }
    const worse = await runCli(['report', 'compare', a, slow, ...GATES, '--quiet']);
    expect(worse.code, worse.stdout + worse.stderr).toBe(EXIT.thresholds);
    expect(worse.stdout).toMatch(/ttft\.p99:\+10%\s+a vs \w+\s+FAILED\s+\+\d+\.\d+% worse \(limit 10%\), beyond noise/);
    expect(worse.stdout).toMatch(/errors\.rate:\+0\.5pp\s+a vs \w+\s+held/);
    expect(worse.stdout).toContain('=> 1 gate(s) failed: exit 99');
    expect(worse.stderr).toMatch(/flags\.base-url: .* -> /);
    const json = await runCli(['report', 'compare', a, slow, ...GATES, '--quiet', '--json']);
    expect(json.code).toBe(EXIT.thresholds);
    const gates = (JSON.parse(json.stdout) as { gates: Array<{ gate: string; status: string }> }).gates;
    expect(gates.map((g) => [g.gate, g.status])).toEqual([['ttft.p99:+10%', 'failed'], ['errors.rate:+0.5pp', 'held']]);

    // A figure the comparison does not have is a usage error, not a silent pass.
    const missing = await runCli(['report', 'compare', a, b, '--fail-on', 'goodput:-5%', '--quiet']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain("--fail-on 'goodput:-5%': no such figure");
  }, 240_000);
});

describe('cost per session', () => {
  it('sessions: $ per session from --cost-per-hour, the card with the default seed', async () => {
    const sim = await startSim(['--preset', 'fast', '--time-scale', '0.02', '--max-model-len', '200000', '--kv-blocks', '100000', '--quiet']);
    const file = join(tempDir('cost-sessions'), 'summary.json');
    try {
      const run = await runCli(['sessions', '--traces', 'traces/kvcache-tester-subagent-excerpt.json', '--base-url', sim.url, '--users', '2', '--sessions', '2',
        '--time-scale', '0.01', '--summary-json', file, '--cost-per-hour', '4'], {}, 120_000);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/\$ per session:\s+\$\d/);
    } finally {
      await sim.stop();
    }
    const s = JSON.parse(readFileSync(file, 'utf8')) as RunSummary & { sessions: { started: number }; serving: RunSummary };
    expect(s.cost!.totalUsd).toBeCloseTo((4 * s.serving.durationS) / 3600, 9);
    expect(s.cost!.perSessionUsd).toBeCloseTo(s.cost!.totalUsd / s.sessions.started, 12);
    expect(s.runCard!.command).toBe('sessions');
    expect(s.runCard!.seeds.seed).toBe('1');
    expect(s.runCard!.rowsReplayed).toBe(s.serving.requests.sent);
  }, 120_000);
});
