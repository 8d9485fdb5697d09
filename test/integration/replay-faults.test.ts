// Every fault the simulator can inject, survived by a real k6 replay: the run completes, each
// failed request is counted under the reason its fault implies, and nothing measured is lost.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envArgs, groundTruthFor, readK6Points, runK6, startSim, tempDir, type RunningSim } from './support/processes';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';

const KINDS = ['status=429', 'status=500', 'status=503', 'stall=300', 'cut=3', 'malformed=2', 'mid-error=2', 'slow-first-byte=300'];

/** The failure reason each fault must produce; null = the request still succeeds (only slower). */
function expectedReason(fault: string | null): string | null {
  if (!fault) return null;
  if (fault.startsWith('status=')) return `http_${fault.slice('status='.length)}`;
  if (fault.startsWith('cut')) return 'stream_eof';
  if (fault.startsWith('malformed')) return 'malformed_chunk';
  if (fault.startsWith('mid-error')) return 'stream_error';
  return null; // stall, slow-first-byte
}

describe('a replay against a faulty server', () => {
  let sim: RunningSim;
  const dir = tempDir('faults');
  const N = 80;
  const runId = 'faults';
  let run: Awaited<ReturnType<typeof runK6>>;
  let summary: ReplayResult;
  let gt: GroundTruthRecord[];

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet',
      '--fault-rate', '0.6', '--fault-kinds', KINDS.join(','), '--seed', '3']);
    run = await runK6(['run', '--quiet', '--out', `json=${join(dir, 'k6.json')}`, ...envArgs({
      TRACE: 'traces/mooncake-sample.jsonl', BASE_URL: sim.url, MODEL: 'sim-model', SPEEDUP: 20, MAX_REQUESTS: N,
      RUN_ID: runId, SUMMARY_JSON: join(dir, 'summary.json'), SCRAPE: 'false',
    }), 'dist/replay.js']);
    if (run.code === 0) summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ReplayResult;
    gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, N);
  }, 240_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('completes, with every kind of fault drawn at least once', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(gt).toHaveLength(N);
    const drawn = new Set(gt.map((r) => r.fault));
    for (const k of KINDS) expect(drawn.has(k), `fault ${k} was never drawn`).toBe(true);
  });

  it('counts each failure under the reason its fault implies', () => {
    const want: Record<string, number> = {};
    for (const r of gt) {
      const reason = expectedReason(r.fault);
      if (reason) want[reason] = (want[reason] ?? 0) + 1;
    }
    expect(summary.errors).toEqual(want);
    expect(summary.requests.failed).toBe(Object.values(want).reduce((a, b) => a + b, 0));
  });

  it('loses nothing: every request is sent once and accounted for, the slow ones measured', () => {
    expect(summary.requests).toMatchObject({ planned: N, sent: N, completed: N, notSent: 0 });
    const outcomes = readK6Points(join(dir, 'k6.json'), ['llm_requests']);
    expect(new Set(outcomes.map((p) => p.requestId)).size).toBe(N);
    // Requests that only stalled or started slowly succeed, and their TTFT was recorded.
    const slow = gt.filter((r) => r.fault && expectedReason(r.fault) === null).map((r) => r.id);
    const ttft = new Set(readK6Points(join(dir, 'k6.json'), ['llm_ttft']).map((p) => p.requestId));
    expect(slow.length).toBeGreaterThan(0);
    for (const id of slow) expect(ttft.has(id), `${id} has no TTFT`).toBe(true);
    expect(summary.requests.succeeded).toBe(N - summary.requests.failed);
  });
});
