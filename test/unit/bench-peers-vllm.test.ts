// `vllm bench serve` as a peer: its --save-detailed result read into the peers' shape, and the
// definitions cross-check (our formulas over its per-request records give its own statistics).
// The fixture is a real vllm bench serve 0.33.0 run against our simulator: see
// test/fixtures/peers/vllm-bench-serve.md for the command.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVllmResult, readVllm } from '../../scripts/bench/peers/peer-outputs';
import { crossCheckVllm, ourSamples, renderCrossCheck } from '../../scripts/bench/peers/vllm-crosscheck';

const text = readFileSync(join(import.meta.dirname, '../fixtures/peers/vllm-bench-serve-result.json'), 'utf8');
const result = () => parseVllmResult(text);

describe('vllm bench serve result', () => {
  it('reads records with the ids it sent (prefix + index), its monotonic start, TTFT in ms, usage tokens; its TTFT p50/p99', () => {
    const out = readVllm(text, 'vllm-bench-');
    expect(out.records).toHaveLength(10);
    expect(out.sent).toBe(10);
    const r = result();
    expect(out.records[3]).toEqual({ id: 'vllm-bench-3', startUnixMs: r.start_times[3] * 1000, ttftMs: r.ttfts[3] * 1000, outputTokens: 13, ok: true, fromConnect: true });
    expect(out.records.every((x) => x.ok)).toBe(true);
    expect(out.reportedTtft).toEqual({ p50: r.median_ttft_ms, p99: r.p99_ttft_ms });
  });

  it('says how to get the per-request lists when they are missing', () => {
    expect(() => parseVllmResult('{"completed": 3}')).toThrow(/no "ttfts" list \(was it run with --save-result --save-detailed\?\)/);
  });

  it('leaves a failed request out of the statistics, as vLLM does', () => {
    const r = result();
    r.errors[0] = 'Bad Request';
    expect(readVllm(JSON.stringify(r), 'p-').records[0]).toMatchObject({ ok: false, ttftMs: undefined });
    expect(ourSamples(r).ttft).toHaveLength(9);
  });
});

describe('definitions cross-check against vllm bench serve', () => {
  it('our TTFT, TPOT, ITL and E2E statistics from its records equal every one it reported', () => {
    const rows = crossCheckVllm(result());
    // 4 metrics x (mean, median, std, p25, p50, p75, p90, p95, p99, p99.9).
    expect(rows).toHaveLength(40);
    expect(rows.filter((x) => !x.ok)).toEqual([]);
    expect(renderCrossCheck(rows)).toMatch(/^vLLM definitions cross-check: all 40 statistics equal/);
    // ITL is one gap per token chunk: as many gaps as vLLM kept.
    const r = result();
    expect(ourSamples(r).itl).toHaveLength(r.itls.reduce((s, g) => s + g.length, 0));
  });

  it('fails when a definition differs: TPOT over chunk gaps instead of usage tokens, E2E to another end', () => {
    const r = result();
    // Count one token more per request (as if a chunk carried two): TPOT changes, TTFT/ITL/E2E do not.
    r.output_lens = r.output_lens.map((n) => n + 1);
    const bad = crossCheckVllm(r).filter((x) => !x.ok);
    expect(new Set(bad.map((x) => x.metric))).toEqual(new Set(['tpot']));
    const later = result();
    later.latencies = later.latencies.map((s) => s + 0.001);
    expect(new Set(crossCheckVllm(later).filter((x) => !x.ok).map((x) => x.metric))).toEqual(new Set(['e2e', 'tpot']));
    expect(renderCrossCheck(crossCheckVllm(later))).toMatch(/statistics DIFFER\n {2}DIFF/);
  });
});
