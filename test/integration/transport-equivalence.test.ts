// The native I/O core (native/, --transport native) and the JS transport (--transport js) on the
// same trace against two simulators started alike (same seed, same faults per request id): the
// same counts, tokens and outcome for every request, every fault kind failing as its ground
// truth says. The native run uses two worker threads (each loads the addon), the JS run one.
// Resets (RST) are stream_reset on both: the JS transport probes a connection the server ended
// mid-response (src/engine/http1.ts failCut), as libuv reports EOF when the RST comes with the
// last bytes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, readRecords, runCli, startSim, tempDir, type CliRun, type RunningSim } from './support/processes';
import { expectedReason } from './support/faults';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import { loadNative } from '../../src/engine/native-addon';
import type { ReplayResult } from '../../src/metrics/summary';
import type { RequestRecord } from '../../src/outputs/jsonl';

const KINDS = ['status=429', 'status=500', 'status=503', 'stall=300', 'cut=3', 'reset=3', 'malformed=2', 'mid-error=2', 'slow-first-byte=300'];
const SIM_ARGS = ['--preset', 'fast', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet', '--fault-rate', '0.5', '--fault-kinds', KINDS.join(','), '--seed', '11'];
const N = 80;

interface Run {
  run: CliRun;
  summary: ReplayResult & { transport?: string };
  records: Map<string, RequestRecord>;
  fault: Map<string, string | null>;
}

async function replay(sim: RunningSim, dir: string, transport: string, extra: string[]): Promise<Run> {
  const summaryPath = join(dir, `${transport}.summary.json`);
  const jsonl = join(dir, `${transport}.jsonl`);
  // One run id for both: the same request ids, prompts and fault draws.
  const run = await runCli(['replay', '--trace', 'traces/mooncake-sample.jsonl', '--base-url', sim.url, '--model', 'sim-model', '--speedup', '20',
    '--max-requests', String(N), '--run-id', 'same', '--summary-json', summaryPath, '--out', `jsonl=${jsonl}`, '--no-scrape', '--quiet', '--transport', transport, ...extra]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  const gt = await groundTruthFor<GroundTruthRecord>(sim.groundTruth, 'same-', N);
  return { run, summary: JSON.parse(readFileSync(summaryPath, 'utf8')), records: new Map(readRecords(jsonl).map((r) => [r.id, r])), fault: new Map(gt.map((g) => [g.id, g.fault])) };
}

/** What must not depend on the transport. */
function outcomeOf(r: RequestRecord | undefined) {
  return r && { ok: r.ok, reason: r.reason, status: r.status, outputTokens: r.outputTokens, promptTokens: r.promptTokens, cachedTokens: r.cachedTokens, tokenSource: r.tokenSource };
}

describe('native and JS transports on the same run', () => {
  const sims: RunningSim[] = [];
  const dir = tempDir('equivalence');
  let native: Run;
  let js: Run;

  beforeAll(async () => {
    expect(loadNative().reason, 'the native addon must be built (make build)').toBeUndefined();
    sims.push(await startSim(SIM_ARGS), await startSim(SIM_ARGS));
    native = await replay(sims[0], dir, 'native', ['--workers', '2']);
    js = await replay(sims[1], dir, 'js', []);
  }, 300_000);
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('records which transport ran', () => {
    expect(native.summary.transport).toBe('native');
    expect(js.summary.transport).toBe('js');
  });

  it('draws the same faults on both simulators, every kind that fails a request among them', () => {
    expect(native.fault).toEqual(js.fault);
    const reasons = new Set([...native.fault.values()].map((f) => expectedReason(f)).filter((r) => r !== null));
    expect([...reasons].sort()).toEqual(['http_429', 'http_500', 'http_503', 'malformed_chunk', 'stream_eof', 'stream_error', 'stream_reset']);
  });

  it('gives the same counts', () => {
    expect(native.summary.requests).toEqual(js.summary.requests);
    expect(native.summary.requests).toMatchObject({ planned: N, sent: N, completed: N });
  });

  it('native: every request fails exactly as its fault implies', () => {
    expect(native.records.size).toBe(N);
    for (const [id, r] of native.records) expect({ id, reason: r.reason ?? null }).toEqual({ id, reason: expectedReason(native.fault.get(id) ?? null) });
  });

  it('gives every request the same outcome and tokens on both', () => {
    expect(js.records.size).toBe(N);
    for (const [id, r] of js.records) expect({ id, ...outcomeOf(native.records.get(id)) }).toEqual({ id, ...outcomeOf(r) });
  });

  it('js: every request fails exactly as its fault implies', () => {
    for (const [id, r] of js.records) expect({ id, reason: r.reason ?? null }).toEqual({ id, reason: expectedReason(js.fault.get(id) ?? null) });
  });

  it('measures each successful request with one TTFT and as many gaps as token chunks', () => {
    for (const [id, r] of js.records) {
      const n = native.records.get(id)!;
      if (!r.ok) continue;
      expect(n.ttftMs, id).toBeGreaterThan(0);
      expect(n.ttftMs!, id).toBeLessThanOrEqual(n.e2eMs);
      expect(n.lagMs, id).toBeGreaterThanOrEqual(0);
    }
  });
});
