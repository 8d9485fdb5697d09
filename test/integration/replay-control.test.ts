// Controlling a replay on the engine CLI: Ctrl-C (the summary and records are still written,
// marked interrupted, exit 130), thresholds (exit 99 when one fails) and --max-concurrency
// (delays, never drops, and the server never sees more in flight).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, readRecords, runCli, startCli, startSim, tempDir, type RunningSim } from './support/processes';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';

const TRACE = 'traces/mooncake-sample.jsonl';

type EngineSummary = ReplayResult & {
  engine: { interrupted: boolean; notSentInterrupted: number; delayedByConcurrency: number; thresholds: Record<string, Record<string, { ok: boolean }>> };
};

const readSummary = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as EngineSummary;

/** Most intervals [start, end) open at one instant; an end and a start at the same instant do not overlap. */
function maxOverlap(intervals: Array<[number, number]>): number {
  const events = intervals.flatMap(([s, e]) => [[s, 1], [e, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (open += d));
  return max;
}

describe('controlling a replay', () => {
  let sim: RunningSim;
  const dir = tempDir('control');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const args = (runId: string, extra: string[]) => [
    'replay', '--trace', TRACE, '--base-url', sim.url, '--model', 'sim-model', '--run-id', runId, '--no-scrape',
    '--summary-json', join(dir, `${runId}.summary.json`), '--out', `jsonl=${join(dir, `${runId}.jsonl`)}`, ...extra,
  ];

  /** Waits until the run is under way: a few of its requests have ended at the server. */
  const afterFirstRequests = async (runId: string) => {
    const ended = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, 3, 60_000);
    expect(ended.length, `${runId} did not get going`).toBeGreaterThanOrEqual(3);
  };

  for (const workers of ['1', '2']) {
    it(`Ctrl-C (--workers ${workers}) stops sending, lets requests in flight finish, writes summary and records, exits 130`, async () => {
      const runId = `interrupt-w${workers}`;
      // The whole sample at 2x takes about a minute: Ctrl-C comes once it is under way, long before its end.
      const cli = startCli(args(runId, ['--speedup', '2', '--grace-s', '60', '--workers', workers]), {}, 120_000);
      await afterFirstRequests(runId);
      cli.proc.kill('SIGINT');
      const run = await cli.done;
      expect(run.code, run.stdout + run.stderr).toBe(130);
      expect(run.stderr).toMatch(/interrupted: no more requests are sent/);
      expect(run.stdout).toMatch(/Serving Benchmark Result/);
      expect(run.stdout).toMatch(/The run was interrupted/);

      const s = readSummary(join(dir, `${runId}.summary.json`));
      expect(s.engine.interrupted).toBe(true);
      expect(s.requests.planned).toBe(300);
      expect(s.requests.sent).toBeGreaterThan(0);
      expect(s.requests.sent).toBeLessThan(s.requests.planned);
      expect(s.requests.sent + s.engine.notSentInterrupted).toBe(s.requests.planned);
      // Within the grace period every request in flight finished, and each has its record.
      expect(s.requests).toMatchObject({ completed: s.requests.sent, succeeded: s.requests.sent, failed: 0 });
      const records = readRecords(join(dir, `${runId}.jsonl`));
      expect(records).toHaveLength(s.requests.sent);
      expect(records.every((r) => r.ok)).toBe(true);
      const gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, s.requests.sent);
      expect(new Set(gt.map((g) => g.id))).toEqual(new Set(records.map((r) => r.id)));
    });
  }

  it('a second Ctrl-C aborts the requests in flight; the summary still adds up', async () => {
    const runId = 'interrupt-twice';
    const cli = startCli(args(runId, ['--speedup', '2', '--grace-s', '60']), {}, 120_000);
    await afterFirstRequests(runId);
    cli.proc.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    cli.proc.kill('SIGINT');
    const run = await cli.done;
    expect(run.code, run.stdout + run.stderr).toBe(130);
    expect(run.stderr).toMatch(/second interrupt: aborting the requests in flight/);
    const s = readSummary(join(dir, `${runId}.summary.json`));
    expect(s.engine.interrupted).toBe(true);
    expect(s.requests.sent + s.engine.notSentInterrupted).toBe(s.requests.planned);
    expect(Object.keys(s.errors).filter((k) => k !== 'aborted')).toEqual([]);
    const records = readRecords(join(dir, `${runId}.jsonl`));
    expect(records).toHaveLength(s.requests.sent);
    expect(records.filter((r) => r.reason === 'aborted')).toHaveLength(s.errors.aborted ?? 0);
  });

  it('exits 99 and shows the failed threshold when one fails; 0 when all pass', async () => {
    const common = ['--speedup', '50', '--max-requests', '10'];
    const failing = await runCli(args('thr-fail', [...common, '--threshold', 'ttft:p(99)<1', '--threshold', 'e2e:p(99)<600000']));
    expect(failing.code, failing.stdout + failing.stderr).toBe(99);
    expect(failing.stdout).toMatch(/✗ 'p\(99\)<1' p\(99\)=[\d.]+ms/);
    expect(failing.stdout).toMatch(/✓ 'p\(99\)<600000'/);
    expect(failing.stdout).toMatch(/1 of 2 thresholds failed/);
    const sf = readSummary(join(dir, 'thr-fail.summary.json'));
    expect(sf.engine.thresholds).toEqual({ llm_ttft: { 'p(99)<1': { ok: false } }, llm_e2e: { 'p(99)<600000': { ok: true } } });

    const passing = await runCli(args('thr-pass', [...common, '--threshold', 'ttft:p(99)<600000']));
    expect(passing.code, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout).toMatch(/✓ 'p\(99\)<600000'/);
    expect(readSummary(join(dir, 'thr-pass.summary.json')).engine.thresholds).toEqual({ llm_ttft: { 'p(99)<600000': { ok: true } } });
  });

  it('--max-concurrency N: never more than N in flight at the server, every request sent, the delayed ones counted', async () => {
    const N = 60;
    const LIMIT = 4;
    const runId = 'concurrency';
    const run = await runCli(args(runId, ['--speedup', '10', '--max-requests', String(N), '--max-concurrency', String(LIMIT)]));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const s = readSummary(join(dir, `${runId}.summary.json`));
    expect(s.requests).toMatchObject({ planned: N, sent: N, succeeded: N, notSent: 0 });
    // The sample opens with ten requests at one instant: at least six of them waited.
    expect(s.engine.delayedByConcurrency).toBeGreaterThanOrEqual(10 - LIMIT);
    expect(s.engine.delayedByConcurrency).toBeLessThan(N);
    expect(run.stdout).toMatch(new RegExp(`NOTE: ${s.engine.delayedByConcurrency} request\\(s\\) waited for a free slot \\(--max-concurrency ${LIMIT}\\)`));

    // In flight as the server saw it (first bytes read -> last bytes written) and as the engine did.
    const gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, N);
    expect(gt).toHaveLength(N);
    const atServer = maxOverlap(gt.map((g) => [g.arrivalMs, g.finishMs]));
    const records = readRecords(join(dir, `${runId}.jsonl`));
    const atEngine = maxOverlap(records.map((r) => [r.sendUnixMs, r.sendUnixMs + r.e2eMs]));
    console.log(`max in flight: ${atServer} at the server, ${atEngine} at the engine (limit ${LIMIT}); delayed ${s.engine.delayedByConcurrency} of ${N}`);
    expect(atServer).toBeLessThanOrEqual(LIMIT);
    expect(atEngine).toBeLessThanOrEqual(LIMIT);
    // The limit was actually reached (the sample's bursts are far larger).
    expect(atServer).toBe(LIMIT);
  });
});
