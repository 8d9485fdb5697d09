// `replay --endpoint messages|responses|embeddings|rerank` end to end against the simulator:
// every request of the trace slice arrives once on the endpoint's path with the recorded prompt
// length, generation endpoints stream exactly the recorded output, the engine reads prompt,
// output and cached tokens from each API's own usage fields (equal to the ground truth), and
// every fault kind on the streaming APIs is counted under the reason it implies.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, indexOf, readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { readTrace } from '../../src/trace/read';
import { selectRequests } from '../../src/trace/open-loop';
import { loadNative } from '../../src/engine/native-addon';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';
import type { RequestRecord } from '../../src/outputs/jsonl';
import { expectedReason } from './support/faults';

const TRACE = 'traces/mooncake-sample.jsonl';
const N = 24;
const expected = selectRequests(readTrace(readFileSync(TRACE, 'utf8'), TRACE), { speedup: 20, maxRequests: N });

async function replay(sim: RunningSim, dir: string, runId: string, extra: string[]): Promise<{ summary: ReplayResult; records: RequestRecord[]; gt: GroundTruthRecord[]; out: string }> {
  const summaryPath = join(dir, `${runId}.summary.json`);
  const jsonl = join(dir, `${runId}.jsonl`);
  const run = await runCli(['replay', '--trace', TRACE, '--base-url', sim.url, '--model', 'sim-model', '--speedup', '20', '--max-requests', String(N),
    '--run-id', runId, '--summary-json', summaryPath, '--out', `jsonl=${jsonl}`, '--quiet', '--no-scrape', ...extra]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return {
    summary: JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult,
    records: readRecords(jsonl),
    gt: await groundTruthFor<GroundTruthRecord>(sim.groundTruth, `${runId}-`, N),
    out: run.stdout,
  };
}

describe('replay on every endpoint against the simulator', () => {
  let sim: RunningSim;
  const dir = tempDir('endpoints');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet', '--reasoning-tokens', '3']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  // Both transports: the native core classifies chat chunks only, so these APIs' events cross
  // with their data and are classified in JS (src/engine/native-transport.ts); the figures must
  // be the same as the JS transport's.
  for (const endpoint of ['messages', 'responses'] as const) for (const transport of ['native', 'js'] as const) {
    it(`${endpoint} (--transport ${transport}): exact prompt and output lengths, cached tokens and TTFT/TTFO from the API's own events`, async () => {
      if (transport === 'native') expect(loadNative().reason, 'the native addon must be built (make build)').toBeUndefined();
      const r = await replay(sim, dir, `${endpoint}-${transport}`, ['--endpoint', endpoint, '--transport', transport]);
      expect((r.summary as ReplayResult & { transport?: string }).transport).toBe(transport);
      expect(r.gt).toHaveLength(N);
      const gt = new Map(r.gt.map((g) => [indexOf(g.id), g]));
      for (const req of expected) {
        expect(gt.get(req.index), `request ${req.index}`).toMatchObject({ endpoint: `/v1/${endpoint}`, status: 200, promptTokens: req.inputTokens, completionTokens: req.outputTokens });
      }
      expect(r.summary.requests).toMatchObject({ planned: N, sent: N, succeeded: N, failed: 0 });
      expect(r.summary.tokens.input).toBe(expected.reduce((s, q) => s + q.inputTokens, 0));
      expect(r.summary.tokens.output).toBe(expected.reduce((s, q) => s + q.outputTokens, 0));
      expect(r.records).toHaveLength(N);
      for (const rec of r.records) {
        const g = gt.get(rec.index)!;
        expect(rec, `record ${rec.index}`).toMatchObject({ ok: true, promptTokens: g.promptTokens, outputTokens: g.completionTokens, cachedTokens: g.cachedTokens, tokenSource: 'usage' });
        // Three reasoning tokens come first: the first answer token is never before the first token
        // (a request of three tokens or fewer has no answer token, so no TTFO). They share a time
        // when both events left the loaded simulator in one packet (the native transport stamps
        // each event with its packet's kernel time).
        expect(rec.ttftMs).toBeGreaterThan(0);
        if (rec.outputTokens > 3) {
          expect(rec.ttfoMs!).toBeGreaterThanOrEqual(rec.ttftMs!);
          expect(rec.e2eMs).toBeGreaterThanOrEqual(rec.ttfoMs!);
        } else expect(rec.ttfoMs).toBeUndefined();
      }
      const answered = r.records.filter((x) => x.outputTokens > 3);
      expect(answered.some((x) => x.ttfoMs! > x.ttftMs!)).toBe(true);
      // The shared-prefix rows of the sample hit the simulator's prefix cache, and the engine saw it.
      expect(r.records.reduce((s, x) => s + (x.cachedTokens ?? 0), 0)).toBeGreaterThan(0);
    }, 120_000);
  }

  for (const endpoint of ['embeddings', 'rerank'] as const) {
    it(`${endpoint}: one forward pass per request, the recorded prompt length, no output tokens`, async () => {
      // Rerank scores (query, document): the replay takes the one-word query off the document.
      const r = await replay(sim, dir, endpoint, ['--endpoint', endpoint]);
      const gt = new Map(r.gt.map((g) => [indexOf(g.id), g]));
      for (const req of expected) {
        expect(gt.get(req.index), `request ${req.index}`).toMatchObject({ endpoint: `/v1/${endpoint}`, status: 200, promptTokens: req.inputTokens, completionTokens: 0, firstTokenMs: null });
      }
      expect(r.summary.requests).toMatchObject({ planned: N, sent: N, succeeded: N, failed: 0 });
      expect(r.summary.tokens.input).toBe(expected.reduce((s, q) => s + q.inputTokens, 0));
      expect(r.summary.tokens.output).toBe(0);
      for (const rec of r.records) {
        expect(rec, `record ${rec.index}`).toMatchObject({ ok: true, promptTokens: gt.get(rec.index)!.promptTokens, outputTokens: 0, batchSize: 1 });
        expect(rec.ttftMs).toBeUndefined();
        expect(rec.e2eMs).toBeGreaterThan(0);
      }
    }, 120_000);
  }
});

const KINDS = ['status=429', 'status=503', 'cut=3', 'reset=3', 'malformed=2', 'mid-error=2', 'stall=300'];

describe('every fault kind on the streaming APIs', () => {
  let sim: RunningSim;
  const dir = tempDir('endpoint-faults');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet', '--fault-rate', '0.7', '--fault-kinds', KINDS.join(','), '--seed', '4']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  for (const endpoint of ['messages', 'responses'] as const) {
    it(`${endpoint}: each failure under the reason its fault implies`, async () => {
      const r = await replay(sim, dir, `faults-${endpoint}`, ['--endpoint', endpoint]);
      const drawn = new Set(r.gt.map((g) => g.fault));
      for (const k of KINDS) expect(drawn.has(k), `fault ${k} was never drawn`).toBe(true);
      const fault = new Map(r.gt.map((g) => [g.id, g.fault]));
      const want: Record<string, number> = {};
      for (const g of r.gt) {
        const reason = expectedReason(g.fault);
        if (reason) want[reason] = (want[reason] ?? 0) + 1;
      }
      expect(r.summary.errors).toEqual(want);
      for (const rec of r.records) {
        const reason = expectedReason(fault.get(rec.id) ?? null);
        expect({ id: rec.id, ok: rec.ok, reason: rec.reason }).toEqual({ id: rec.id, ok: reason === null, reason: reason ?? undefined });
      }
    }, 120_000);
  }
});

describe('a trace whose rows name their endpoint', () => {
  const MIXED = 'traces/mixed-endpoints-sample.jsonl';
  const rows = readFileSync(MIXED, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { input_length: number; output_length: number; endpoint: string });
  const path = (e: string) => (e.startsWith('/') ? e : e === 'chat' ? '/v1/chat/completions' : `/v1/${e}`);
  let sim: RunningSim;
  const dir = tempDir('endpoints-mixed');

  beforeAll(async () => {
    sim = await startSim(['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('sends each row to its own endpoint with its lengths, and the summary splits its figures by endpoint', async () => {
    const summaryPath = join(dir, 'mixed.summary.json');
    const run = await runCli(['replay', '--trace', MIXED, '--base-url', sim.url, '--model', 'sim-model', '--speedup', '10', '--run-id', 'mixed',
      '--summary-json', summaryPath, '--quiet', '--no-scrape']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const gt = new Map((await groundTruthFor<GroundTruthRecord>(sim.groundTruth, 'mixed-', rows.length)).map((g) => [indexOf(g.id), g]));
    const want: Record<string, { ok: number; input: number; output: number }> = {};
    rows.forEach((r, i) => {
      const pooling = r.endpoint === 'embeddings' || r.endpoint === 'rerank';
      const input = r.input_length;
      expect(gt.get(i), `row ${i}`).toMatchObject({ endpoint: path(r.endpoint), status: 200, promptTokens: input, completionTokens: pooling ? 0 : r.output_length });
      const name = r.endpoint.startsWith('/') ? 'completions' : r.endpoint;
      const w = (want[name] ??= { ok: 0, input: 0, output: 0 });
      w.ok++;
      w.input += input;
      w.output += pooling ? 0 : r.output_length;
    });
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult;
    expect(summary.requests).toMatchObject({ sent: rows.length, succeeded: rows.length, failed: 0 });
    expect(Object.keys(summary.byEndpoint!).sort()).toEqual(Object.keys(want).sort());
    for (const [e, w] of Object.entries(want)) {
      expect(summary.byEndpoint![e], e).toMatchObject({ succeeded: w.ok, failed: 0, inputTokens: w.input, outputTokens: w.output, meanBatch: 1 });
      expect(summary.byEndpoint![e].meanE2eMs).toBeGreaterThan(0);
    }
    expect(run.stdout).toMatch(/By endpoint/);
    expect(run.stdout).toMatch(/rerank: ok \/ failed\s+5 \/ 0/);
  }, 120_000);
});
