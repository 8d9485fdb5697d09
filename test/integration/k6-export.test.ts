// Optional: dist/k6/replay.js on a real k6 that the user provides in K6_BIN (k6 >= 1.0),
// against the real simulator. The project never downloads, builds or runs k6 on its own, so
// without K6_BIN this test is skipped and says so; test/unit/k6-export covers the script on
// the k6 stand-in either way.

import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groundTruthFor, readK6Points, startSim, tempDir, type RunningSim } from './support/processes';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import { COUNTERS, TRENDS } from '../../src/metrics/names';

const K6_BIN = process.env.K6_BIN ?? '';
if (!K6_BIN) {
  console.log('SKIPPED test/integration/k6-export.test.ts: K6_BIN is not set. Set K6_BIN=/path/to/your/k6 (>= 1.0) ' +
    'to run dist/k6/replay.js on it against the simulator; this project never downloads or runs k6 itself.');
}

const N = 20;
const TRACE = 'traces/mooncake-sample.jsonl';

function runUserK6(args: string[], limitMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(K6_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.skipIf(!K6_BIN)('dist/k6/replay.js on the k6 in K6_BIN', () => {
  let sim: RunningSim;
  const dir = tempDir('k6-export');

  beforeAll(async () => {
    execFileSync('node', ['scripts/bundle.mjs'], { stdio: 'pipe' });
    sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('sends each request of the slice once and records E2E, TTFB and usage tokens', async () => {
    const summary = join(dir, 'summary.json');
    const points = join(dir, 'points.json');
    const vars = { TRACE, BASE_URL: sim.url, MAX_REQUESTS: N, SPEEDUP: 50, RUN_ID: 'k6x', SUMMARY_JSON: summary, QUIET: 'true' };
    const k6 = await runUserK6(['run', '--address', '127.0.0.1:0', '--quiet', '--out', `json=${points}`,
      ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]), 'dist/k6/replay.js'], 180_000);
    expect(k6.code, k6.out).toBe(0);

    const result = JSON.parse(readFileSync(summary, 'utf8'));
    expect(result.run.platform).toBe('k6-http');
    expect(result.requests).toMatchObject({ planned: N, sent: N, succeeded: N, failed: 0, notSent: 0 });
    expect(result.latencyMs.e2e.count).toBe(N);
    expect(result.latencyMs.ttft).toBeNull();

    // The simulator saw every request exactly once, not streamed, with the recorded output length.
    const truth = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, 'k6x-', N);
    expect(truth.map((r) => r.id).sort()).toEqual(Array.from({ length: N }, (_, k) => `k6x-${k}`).sort());
    expect(truth.every((r) => r.status === 200 && r.stream === false && r.completionTokens === r.maxTokens)).toBe(true);
    expect(result.tokens.output).toBe(truth.reduce((a, r) => a + r.completionTokens, 0));
    expect(result.tokens.input).toBe(truth.reduce((a, r) => a + r.promptTokens, 0));

    // Request ids travel in sample metadata, not tags.
    const e2e = readK6Points(points, [TRENDS.e2e, COUNTERS.sent]).filter((p) => p.metric === TRENDS.e2e);
    expect(new Set(e2e.map((p) => p.requestId))).toEqual(new Set(truth.map((r) => r.id)));
    expect(e2e.every((p) => p.tags.request_id === undefined)).toBe(true);
  });
});
