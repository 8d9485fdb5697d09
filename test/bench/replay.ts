// make bench: figures for the open-loop replay, measured against the simulator's ground truth.
//   1. timing error of TTFT and E2E (harness - ground truth), p50/p99, and dispatch lag;
//   2. the share of TTFT spent on connection setup, new connection per request vs keep-alive;
//   3. the highest request rate one k6 process sustains with dispatch lag p99 under 5 ms.
// Prints a table; asserts nothing (benchmarks are not timed tests).

import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envArgs, groundTruthFor, readK6Points, runK6, startSim, tempDir, type RunningSim } from '../integration/support/processes';
import { percentile } from '../../src/metrics/formulas';
import { decodeTokenTimes, type GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';

if (process.argv.includes('--help')) {
  console.log('usage: npx tsx test/bench/replay.ts [--quick] [--only accuracy|connections|rate]\n  timing error vs ground truth, connection-setup share of TTFT, max sustained request rate');
  process.exit(0);
}
const quick = process.argv.includes('--quick');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? process.argv[onlyArg + 1] : undefined;
const dir = tempDir('bench');

interface Run {
  summary: ReplayResult;
  points: ReturnType<typeof readK6Points>;
}

async function replay(sim: RunningSim, name: string, vars: Record<string, string | number>): Promise<Run> {
  const summaryPath = join(dir, `${name}.summary.json`);
  const out = join(dir, `${name}.k6.json`);
  const r = await runK6(['run', '--quiet', '--out', `json=${out}`, ...envArgs({ BASE_URL: sim.url, MODEL: 'sim-model', RUN_ID: name, SUMMARY_JSON: summaryPath, QUIET: 'true', ...vars }), 'dist/replay.js'], {}, 600_000);
  if (r.code !== 0) throw new Error(`k6 failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return { summary: JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult, points: readK6Points(out, ['llm_ttft', 'llm_e2e', 'llm_connect']) };
}

/** A Mooncake-format trace: `count` short requests at a constant rate. */
function constantRateTrace(rate: number, count: number, input: number, output: number): string {
  const path = join(dir, `rate-${rate}.jsonl`);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify({ timestamp: (i * 1000) / rate, input_length: input, output_length: output, hash_ids: [i] }));
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const fmt = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));

async function timingError(): Promise<string[]> {
  const sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  try {
    const n = quick ? 60 : 200;
    const run = await replay(sim, 'accuracy', { TRACE: 'traces/mooncake-sample.jsonl', SPEEDUP: 10, MAX_REQUESTS: n });
    const gt = new Map((await groundTruthFor<GroundTruthRecord>(sim.groundTruth, 'accuracy-', n)).map((r) => [r.id, r]));
    const err: Record<string, number[]> = { llm_ttft: [], llm_e2e: [] };
    for (const p of run.points) {
      const rec = gt.get(p.requestId ?? '');
      if (!rec || !(p.metric in err)) continue;
      const truth = p.metric === 'llm_ttft' ? decodeTokenTimes(rec)[0] - rec.arrivalMs : rec.finishMs - rec.arrivalMs;
      err[p.metric].push(Math.abs(p.value - truth));
    }
    const lag = run.summary.latencyMs.dispatchLag;
    const q = (xs: number[], p: number) => percentile([...xs].sort((a, b) => a - b), p);
    return [
      `Mooncake sample, ${n} requests at 10x, simulator preset small at time-scale 0.05`,
      `  |TTFT error| p50 ${fmt(q(err.llm_ttft, 50), 3)} ms, p99 ${fmt(q(err.llm_ttft, 99), 3)} ms (median TTFT ${fmt(run.summary.latencyMs.ttft?.p50)} ms)`,
      `  |E2E error|  p50 ${fmt(q(err.llm_e2e, 50), 3)} ms, p99 ${fmt(q(err.llm_e2e, 99), 3)} ms (median E2E ${fmt(run.summary.latencyMs.e2e?.p50)} ms)`,
      `  dispatch lag p50 ${fmt(lag?.p50, 3)} ms, p99 ${fmt(lag?.p99, 3)} ms, max ${fmt(lag?.max, 3)} ms`,
    ];
  } finally {
    await sim.stop();
  }
}

async function connectionShare(): Promise<string[]> {
  const sim = await startSim(['--preset', 'fast', '--quiet']);
  try {
    const trace = constantRateTrace(20, quick ? 40 : 100, 64, 8);
    const rows: string[] = ['Connection setup inside TTFT (64-token prompts, 8 output tokens, 20 req/s)'];
    for (const reuse of ['false', 'true']) {
      const run = await replay(sim, `conn-${reuse}`, { TRACE: trace, CONN_REUSE: reuse });
      const mean = (m: string) => {
        const xs = run.points.filter((p) => p.metric === m).map((p) => p.value);
        return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      };
      const c = mean('llm_connect');
      const t = mean('llm_ttft');
      rows.push(`  ${reuse === 'true' ? 'keep-alive     ' : 'new connection '} mean connect ${fmt(c, 3)} ms, mean TTFT ${fmt(t, 3)} ms, share ${fmt((100 * c) / t, 1)}%`);
    }
    return rows;
  } finally {
    await sim.stop();
  }
}

async function maxRate(): Promise<string[]> {
  const sim = await startSim(['--preset', 'fast', '--quiet']);
  const rows = ['Highest request rate of one k6 process with dispatch lag p99 < 5 ms (32-token prompts, 4 output tokens, 8 s each)'];
  let best = 0;
  try {
    for (const rate of quick ? [50, 100] : [50, 100, 200, 400, 800]) {
      const trace = constantRateTrace(rate, rate * 8, 32, 4);
      const run = await replay(sim, `rate-${rate}`, { TRACE: trace, EST_TTFT_MS: 50, EST_TPOT_MS: 5 });
      const lag = run.summary.latencyMs.dispatchLag;
      const ok = (lag?.p99 ?? Infinity) < 5 && run.summary.requests.failed === 0 && run.summary.requests.droppedIterations === 0;
      rows.push(`  ${String(rate).padStart(5)} req/s: lag p50 ${fmt(lag?.p50, 3)} ms, p99 ${fmt(lag?.p99, 3)} ms, failed ${run.summary.requests.failed}, dropped ${run.summary.requests.droppedIterations}${ok ? '' : '  <- over'}`);
      if (!ok) break;
      best = rate;
    }
  } finally {
    await sim.stop();
  }
  rows.push(`  => sustained: ${best} req/s`);
  return rows;
}

const benches: Array<[string, () => Promise<string[]>]> = [['accuracy', timingError], ['connections', connectionShare], ['rate', maxRate]];
const sections: string[][] = [];
for (const [name, run] of benches) if (!only || only === name) sections.push(await run());
console.log('\n=== k6-llm-replay replay benchmark ===');
for (const s of sections) console.log(s.join('\n'));
