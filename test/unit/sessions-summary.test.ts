import { describe, expect, it } from 'vitest';
import { buildSessionsResult, renderSessions, type SessionsInfo } from '../../src/sessions/summary';
import { addValues, emptyHistogram, type LogHistogram } from '../../src/metrics/histogram';
import type { K6SummaryData, RunInfo } from '../../src/metrics/summary';

const run: RunInfo = { runId: 'r', trace: 'traces/sessions/', format: 'kvcache-tester', baseUrl: 'http://x', endpoint: 'chat', model: 'm', platform: 'engine', speedup: 100, plannedRequests: 6 };
const info: SessionsInfo = { planned: 2, timing: 'think-only', timeScale: 0.01, users: 2, subagentJoin: 'recorded', warmPrefix: 'off', uniquePrefix: true };
const trend = (v: Record<string, number>) => ({ type: 'trend', values: v });
const stats = (avg: number) => ({ count: 2, avg, min: avg / 2, med: avg, max: avg * 1.5, 'p(90)': avg * 1.4, 'p(95)': avg * 1.45, 'p(99)': avg * 1.49 });

const data: K6SummaryData = {
  metrics: {
    llm_requests_sent: { type: 'counter', values: { count: 6 } },
    'llm_requests{outcome:ok}': { type: 'counter', values: { count: 6 } },
    llm_prompt_tokens: { type: 'counter', values: { count: 6000 } },
    llm_output_tokens: { type: 'counter', values: { count: 300 } },
    llm_cached_tokens: { type: 'counter', values: { count: 4000 } },
    llm_eligible_tokens: { type: 'counter', values: { count: 4200 } },
    llm_sessions_started: { type: 'counter', values: { count: 2 } },
    'llm_sessions{outcome:ok}': { type: 'counter', values: { count: 1 } },
    'llm_sessions{outcome:error}': { type: 'counter', values: { count: 1 } },
    llm_session_latency: trend(stats(4000)),
    llm_session_ttfat: trend(stats(3000)),
    llm_session_eligible_hit_rate: trend(stats(95)),
  },
};

function hists(): (n: string) => LogHistogram | null {
  const map: Record<string, LogHistogram> = {};
  const h = (name: string, values: number[]) => {
    map[name] = emptyHistogram();
    addValues(map[name], values);
  };
  h('llm_send_at', [1000, 2000]);
  h('llm_end_at', [3000, 5000]);
  h('llm_workload_prompt_1', [1000, 2000]);
  h('llm_workload_prompt_4', [3000]);
  h('llm_workload_cached_4', [2500]);
  h('llm_workload_completion_4', [300]);
  return (n) => map[n] ?? null;
}

describe('sessions summary', () => {
  const r = buildSessionsResult(data, run, info, hists(), { bucketMs: 1000, lastWindowMs: 30_000, warmupFraction: 0.2 });

  it('gathers sessions, per-session stats, the overall eligible hit rate and the workload', () => {
    expect(r.sessions).toMatchObject({ started: 2, ok: 1, failed: 1, aborted: 0, planned: 2 });
    expect(r.eligibleHitRate).toBeCloseTo(4000 / 4200);
    expect(r.perSession.latencyS).toMatchObject({ mean: 4, min: 2, p50: 4, max: 6 });
    expect(r.perSession.ttftS).toBeNull();
    expect(r.workload!.wallS).toBe(4);
    expect(r.workload!.rows[0].overall).toBe(1500);
    expect(r.workload!.rows[3].overall).toBe(75);
  });

  it('prints the standard table first, then sessions, the per-session table and the workload', () => {
    const text = renderSessions(r);
    const order = ['Serving Benchmark Result', 'Sessions: 2 started, 1 ok, 1 with failed requests', 'Eligible cache hit rate (sum cached / sum eligible): 95.24%', 'Per-session metrics', 'Workload: 2/2 sessions completed'];
    let at = -1;
    for (const s of order) {
      const i = text.indexOf(s);
      expect(i, s).toBeGreaterThan(at);
      at = i;
    }
    expect(text).toMatch(/TTFAT \(s\)/);
    expect(text.split('\n').find((l) => l.startsWith('p50'))).toMatch(/4\.000\s+n\/a\s+3\.000/);
  });

  it('counts sessions k6 cut at the end of the test (they report nothing) as cut short', () => {
    const cut = buildSessionsResult({ metrics: { ...data.metrics, llm_sessions_started: { type: 'counter', values: { count: 5 } } } },
      run, info, hists(), { bucketMs: 1000, lastWindowMs: 30_000, warmupFraction: 0.2 });
    expect(cut.sessions).toMatchObject({ started: 5, ok: 1, failed: 1, aborted: 3 });
  });

  it('warns about sessions cut short and never started', () => {
    const cut = buildSessionsResult({ metrics: { ...data.metrics, 'llm_sessions{outcome:aborted}': { type: 'counter', values: { count: 1 } }, llm_sessions_started: { type: 'counter', values: { count: 1 } } } },
      run, info, hists(), { bucketMs: 1000, lastWindowMs: 30_000, warmupFraction: 0.2 });
    const text = renderSessions(cut);
    expect(text).toMatch(/WARNING: 1 session\(s\) were cut short/);
    expect(text).toMatch(/WARNING: 1 planned session\(s\) never started/);
  });
});
