// What the dashboards show: every panel once, with its InfluxQL (k6 `--out influxdb`: one
// measurement per k6 metric, field "value", Trend times in ms) and its PromQL (k6
// `-o experimental-prometheus-rw` with native histograms: k6_<name>_total counters,
// k6_<name>_seconds histograms for time Trends, k6_<name> gauges). Each query says what a real
// run must return, and the integration test holds it to that. Pure.

import { CAMPAIGN_METRICS, COUNTERS, TRENDS } from '../metrics/names';
import { ENGINE_COUNTERS, ENGINE_GAUGES, ENGINE_LATENCY_GAUGES } from '../observe/names';
import type { Flavour } from './grafana';

/** What a query must return after a real replay against the simulator (with injected faults). */
export interface Expectation {
  /** Every series carries this tag/label, and together they include these values. */
  by?: string;
  values?: string[];
  /** InfluxDB: columns that must hold a non-null value. */
  columns?: string[];
}

export interface QuerySpec {
  query: string;
  /** InfluxDB alias ($tag_x, $col) or Prometheus legendFormat ({{x}}). */
  legend?: string;
  /** Prometheus stat panels: evaluate once over the dashboard range. */
  instant?: boolean;
  expect?: Expectation;
}

export interface PanelSpec {
  title: string;
  description: string;
  type: 'timeseries' | 'stat';
  width: number;
  unit: Record<Flavour, string>;
  /** Fixed axis (ratios 0..1). */
  max?: number;
  /** Bars for counts per interval. */
  bars?: boolean;
  queries: Record<Flavour, QuerySpec[]>;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

// ---- InfluxQL helpers: every query filters on the run and model variables and the time range.
// Campaign points (llm-replay campaign) carry campaign and point tags; other runs match them as "All".
const WHERE = `"campaign" =~ /^$campaign$/ AND "point" =~ /^$point$/ AND "run" =~ /^$run$/ AND "model" =~ /^$model$/ AND $timeFilter`;
const BY_TIME = 'GROUP BY time($__interval)';

const influxPercentiles = (m: string, ps: number[], label = (p: number) => `p${p}`): QuerySpec => ({
  query: `SELECT ${ps.map((p) => `percentile("value", ${p}) AS "${label(p)}"`).join(', ')} FROM "${m}" WHERE ${WHERE} ${BY_TIME} fill(none)`,
  expect: { columns: ps.map(label) },
});
/** Per-second rate of a k6 Counter over each interval. */
const influxRate = (m: string, alias: string, by?: string): QuerySpec => ({
  query: `SELECT sum("value") * 1000 / $__interval_ms AS "${alias}" FROM "${m}" WHERE ${WHERE} ${BY_TIME}${by ? `, "${by}"` : ''} fill(0)`,
  legend: by ? `$tag_${by} ${alias}` : undefined,
});
const influxTotal = (m: string, by?: string): QuerySpec => ({
  query: `SELECT sum("value") AS "total" FROM "${m}" WHERE ${WHERE}${by ? ` GROUP BY "${by}"` : ''}`,
  legend: by ? `$tag_${by}` : m,
  expect: { columns: ['total'] },
});
const influxSoFar = (m: string, by?: string): QuerySpec => ({
  query: `SELECT cumulative_sum(sum("value")) AS "so far" FROM "${m}" WHERE ${WHERE} ${BY_TIME}${by ? `, "${by}"` : ''} fill(none)`,
  legend: by ? `$tag_${by}` : m,
});
/** Engine gauges: one series per engine kind. */
const influxEngineMean = (m: string, label: string): QuerySpec => ({
  query: `SELECT mean("value") AS "${label}" FROM "${m}" WHERE ${WHERE} ${BY_TIME}, "engine" fill(none)`,
  legend: `$tag_engine ${label}`,
  expect: { by: 'engine', values: ['vllm'], columns: [label] },
});

// ---- PromQL helpers.
const SEL = '{campaign=~"$campaign",point=~"$point",run=~"$run",model=~"$model"}';
const pc = (name: string) => `k6_${name}_total${SEL}`; // Counter
const ph = (name: string) => `k6_${name}_seconds${SEL}`; // time Trend as a native histogram
const pg = (name: string) => `k6_${name}${SEL}`; // Gauge

const promQuantiles = (name: string, qs: number[], label = (q: number) => `p${q * 100}`): QuerySpec[] =>
  qs.map((q) => ({ query: `histogram_quantile(${q}, sum(rate(${ph(name)}[$__rate_interval])))`, legend: label(q) }));
const promRate = (name: string, legend: string, by?: string): QuerySpec => ({
  query: `sum${by ? ` by (${by})` : ''} (rate(${pc(name)}[$__rate_interval]))`,
  legend: by ? `{{${by}}} ${legend}` : legend,
});
const promTotal = (name: string, by?: string): QuerySpec => ({
  query: `sum${by ? ` by (${by})` : ''} (max_over_time(${pc(name)}[$__range]))`,
  legend: by ? `{{${by}}}` : name,
  instant: true,
});
const promEngine = (name: string, label: string, agg: 'sum' | 'max'): QuerySpec => ({
  query: `${agg} by (engine) (${pg(name)})`,
  legend: `{{engine}} ${label}`,
  expect: { by: 'engine', values: ['vllm'] },
});

const ms = { influxdb: 'ms', prometheus: 's' };
const sameUnit = (u: string) => ({ influxdb: u, prometheus: u });

function latencyPanel(title: string, trend: string, what: string): PanelSpec {
  return {
    title, description: `${what} Percentiles over each interval, successful requests only.`, type: 'timeseries', width: 12, unit: ms,
    queries: { influxdb: [influxPercentiles(trend, [50, 90, 99])], prometheus: promQuantiles(trend, [0.5, 0.9, 0.99]) },
  };
}

export const ROWS: RowSpec[] = [
  {
    title: 'Run totals (the whole time range)',
    panels: [
      {
        title: 'Requests by outcome', description: 'Completed requests, ok or error (llm_requests). Matches the summary JSON.',
        type: 'stat', width: 6, unit: sameUnit('none'),
        queries: {
          influxdb: [{ ...influxTotal(COUNTERS.requests, 'outcome'), expect: { by: 'outcome', values: ['ok', 'error'], columns: ['total'] } }],
          prometheus: [{ ...promTotal(COUNTERS.requests, 'outcome'), expect: { by: 'outcome', values: ['ok', 'error'] } }],
        },
      },
      {
        title: 'Requests sent', description: 'Requests dispatched (llm_requests_sent).', type: 'stat', width: 6, unit: sameUnit('none'),
        queries: { influxdb: [influxTotal(COUNTERS.sent)], prometheus: [promTotal(COUNTERS.sent)] },
      },
      {
        title: 'Output tokens', description: 'Generated tokens, from the server\'s usage (or counted chunks).', type: 'stat', width: 6, unit: sameUnit('none'),
        queries: { influxdb: [influxTotal(COUNTERS.outputTokens)], prometheus: [promTotal(COUNTERS.outputTokens)] },
      },
      {
        title: 'Prompt and cached tokens', description: 'Prompt tokens and the part the server reported as cached (usage.prompt_tokens_details.cached_tokens).',
        type: 'stat', width: 6, unit: sameUnit('none'),
        queries: {
          influxdb: [{ ...influxTotal(COUNTERS.promptTokens), legend: 'prompt' }, { ...influxTotal(COUNTERS.cachedTokens), legend: 'cached' }],
          prometheus: [{ ...promTotal(COUNTERS.promptTokens), legend: 'prompt' }, { ...promTotal(COUNTERS.cachedTokens), legend: 'cached' }],
        },
      },
    ],
  },
  {
    title: 'Client latency (measured by the load generator from the streamed chunks)',
    panels: [
      latencyPanel('TTFT', TRENDS.ttft, 'Request sent -> first chunk carrying a generated token.'),
      latencyPanel('TTFO', TRENDS.ttfo, 'Time to first output token: request sent -> first chunk carrying a non-reasoning token (content or tool call), for requests whose stream carried reasoning (empty when none did).'),
      latencyPanel('TPOT', TRENDS.tpot, '(e2e - ttft) / (output tokens - 1), per request.'),
      {
        title: 'ITL', type: 'timeseries', width: 12, unit: ms,
        description: 'Gaps between token chunks, summarised per request (mean gap, max gap): no sample is kept per token. The exact all-gaps distribution is in the summary JSON.',
        queries: {
          influxdb: [
            influxPercentiles(TRENDS.itlMean, [50, 99], (p) => `mean gap p${p}`),
            influxPercentiles(TRENDS.itlMax, [99], (p) => `max gap p${p}`),
          ],
          prometheus: [
            ...promQuantiles(TRENDS.itlMean, [0.5, 0.99], (q) => `mean gap p${q * 100}`),
            ...promQuantiles(TRENDS.itlMax, [0.99], (q) => `max gap p${q * 100}`),
          ],
        },
      },
      latencyPanel('E2E', TRENDS.e2e, 'Request sent -> last byte.'),
    ],
  },
  {
    title: 'Load and errors',
    panels: [
      {
        title: 'Requests/s by outcome', description: 'Completed requests per second.', type: 'timeseries', width: 6, unit: sameUnit('reqps'),
        queries: {
          influxdb: [{ ...influxRate(COUNTERS.requests, 'req/s', 'outcome'), expect: { by: 'outcome', values: ['ok', 'error'] } }],
          prometheus: [{ ...promRate(COUNTERS.requests, 'req/s', 'outcome'), expect: { by: 'outcome', values: ['ok'] } }],
        },
      },
      {
        title: 'Client tokens/s', description: 'Output and prompt tokens per second, as the client counted them.', type: 'timeseries', width: 6, unit: sameUnit('none'),
        queries: {
          influxdb: [influxRate(COUNTERS.outputTokens, 'output tok/s'), influxRate(COUNTERS.promptTokens, 'prompt tok/s')],
          prometheus: [promRate(COUNTERS.outputTokens, 'output tok/s'), promRate(COUNTERS.promptTokens, 'prompt tok/s')],
        },
      },
      {
        title: 'Failed requests so far, by reason', type: 'timeseries', width: 6, unit: sameUnit('none'),
        description: 'Cumulative failures by reason: http_<status>, timeout, stream_reset, truncated, ... (llm_errors).',
        queries: {
          // Which reasons depends on the run: the test compares them with the summary JSON.
          influxdb: [{ ...influxSoFar(COUNTERS.errors, 'reason'), expect: { by: 'reason' } }],
          prometheus: [{ query: `sum by (reason) (${pc(COUNTERS.errors)})`, legend: '{{reason}}', expect: { by: 'reason' } }],
        },
      },
      {
        title: 'Dispatch lag', description: 'Actual minus scheduled send time: how faithfully the load generator (the engine, or k6 for the export) kept the trace\'s timing.', type: 'timeseries', width: 6, unit: ms,
        queries: {
          influxdb: [{
            query: `SELECT percentile("value", 50) AS "p50", percentile("value", 99) AS "p99", max("value") AS "max" FROM "${TRENDS.dispatchLag}" WHERE ${WHERE} ${BY_TIME} fill(none)`,
            expect: { columns: ['p50', 'p99', 'max'] },
          }],
          prometheus: promQuantiles(TRENDS.dispatchLag, [0.5, 0.99]),
        },
      },
    ],
  },
  {
    title: 'Engine (its /metrics, scraped by k6 during the run)',
    panels: [
      {
        title: 'Engine queue', description: 'Requests running in the engine\'s batches and waiting in its queue.', type: 'timeseries', width: 8, unit: sameUnit('none'),
        queries: {
          influxdb: [influxEngineMean(ENGINE_GAUGES.running, 'running'), influxEngineMean(ENGINE_GAUGES.waiting, 'waiting')],
          prometheus: [promEngine(ENGINE_GAUGES.running, 'running', 'sum'), promEngine(ENGINE_GAUGES.waiting, 'waiting', 'sum')],
        },
      },
      {
        title: 'KV-cache usage', description: 'Fraction of the KV cache in use (worst data-parallel rank). Not available for llama.cpp: its server exports no KV usage (only its 2024 builds did), so engine=llamacpp has no series here.', type: 'timeseries', width: 8, unit: sameUnit('percentunit'), max: 1,
        queries: {
          influxdb: [influxEngineMean(ENGINE_GAUGES.kvUsage, 'KV usage')],
          prometheus: [promEngine(ENGINE_GAUGES.kvUsage, 'KV usage', 'max')],
        },
      },
      {
        title: 'Prefix-cache hit rate', type: 'timeseries', width: 8, unit: sameUnit('percentunit'), max: 1,
        description: 'Engine: prefix-cache hit tokens / queried tokens per scrape interval (llama.cpp: prompt tokens reused from its slots\' cache / computed + reused). Prometheus also shows the client\'s view: cached / prompt tokens from usage.',
        queries: {
          influxdb: [influxEngineMean(ENGINE_GAUGES.prefixHitRate, 'hit rate')],
          prometheus: [
            {
              query: `sum by (engine) (rate(${pc(ENGINE_COUNTERS.prefixHits)}[$__rate_interval])) / sum by (engine) (rate(${pc(ENGINE_COUNTERS.prefixQueries)}[$__rate_interval]))`,
              legend: '{{engine}} hit rate', expect: { by: 'engine', values: ['vllm'] },
            },
            { query: `sum(rate(${pc(COUNTERS.cachedTokens)}[$__rate_interval])) / sum(rate(${pc(COUNTERS.promptTokens)}[$__rate_interval]))`, legend: 'client: cached / prompt' },
          ],
        },
      },
      {
        title: 'Engine tokens/s', description: 'Prompt and generation tokens per second as the engine counted them (prompt tokens include the cached ones for every engine: llama.cpp\'s computed + cached).', type: 'timeseries', width: 8, unit: sameUnit('none'),
        queries: {
          influxdb: [influxEngineMean(ENGINE_GAUGES.promptTokensPerS, 'prompt tok/s'), influxEngineMean(ENGINE_GAUGES.generationTokensPerS, 'generation tok/s')],
          prometheus: [
            { ...promRate(ENGINE_COUNTERS.promptTokens, 'prompt tok/s', 'engine'), expect: { by: 'engine', values: ['vllm'] } },
            { ...promRate(ENGINE_COUNTERS.generationTokens, 'generation tok/s', 'engine'), expect: { by: 'engine', values: ['vllm'] } },
          ],
        },
      },
      {
        title: 'Engine-side latency', type: 'timeseries', width: 8, unit: sameUnit('ms'),
        description: 'TTFT and ITL as the engine measured them (its histograms, per scrape interval): compare with the client panels to see network and client overhead. Not available for llama.cpp (no latency histograms in its /metrics).',
        queries: {
          influxdb: [
            influxEngineMean(ENGINE_LATENCY_GAUGES.ttftMean, 'TTFT mean'), influxEngineMean(ENGINE_LATENCY_GAUGES.ttftP99, 'TTFT p99'),
            influxEngineMean(ENGINE_LATENCY_GAUGES.itlMean, 'ITL mean'), influxEngineMean(ENGINE_LATENCY_GAUGES.itlP99, 'ITL p99'),
          ],
          prometheus: [
            promEngine(ENGINE_LATENCY_GAUGES.ttftMean, 'TTFT mean', 'max'), promEngine(ENGINE_LATENCY_GAUGES.ttftP99, 'TTFT p99', 'max'),
            promEngine(ENGINE_LATENCY_GAUGES.itlMean, 'ITL mean', 'max'), promEngine(ENGINE_LATENCY_GAUGES.itlP99, 'ITL p99', 'max'),
          ],
        },
      },
      {
        title: 'Preemptions so far', description: 'Sequences the engine preempted (KV cache full) since the run started. Not available for llama.cpp (no such counter).', type: 'timeseries', width: 8, unit: sameUnit('none'),
        queries: {
          influxdb: [{ ...influxSoFar(ENGINE_COUNTERS.preemptions, 'engine'), expect: { by: 'engine', values: ['vllm'] } }],
          prometheus: [{ query: `sum by (engine) (${pc(ENGINE_COUNTERS.preemptions)})`, legend: '{{engine}}', expect: { by: 'engine', values: ['vllm'] } }],
        },
      },
    ],
  },
];

/** Dashboard variables' queries (campaign, point, run, model), also run by the integration test. */
export const VARIABLE_QUERIES: Record<Flavour, { campaign: string; point: string; run: string; model: string }> = {
  influxdb: {
    campaign: `SHOW TAG VALUES FROM "${COUNTERS.sent}" WITH KEY = "campaign"`,
    point: `SHOW TAG VALUES FROM "${COUNTERS.sent}" WITH KEY = "point" WHERE "campaign" =~ /^$campaign$/`,
    run: `SHOW TAG VALUES FROM "${COUNTERS.sent}" WITH KEY = "run"`,
    model: `SHOW TAG VALUES FROM "${COUNTERS.sent}" WITH KEY = "model" WHERE "run" =~ /^$run$/`,
  },
  prometheus: {
    campaign: `label_values(k6_${COUNTERS.sent}_total, campaign)`,
    point: `label_values(k6_${COUNTERS.sent}_total{campaign=~"$campaign"}, point)`,
    run: `label_values(k6_${COUNTERS.sent}_total, run)`,
    model: `label_values(k6_${COUNTERS.sent}_total{run=~"$run"}, model)`,
  },
};

/** Run annotations: where each run starts and ends. */
export const RUN_ANNOTATIONS = {
  influxdb: [
    { name: 'Run start', query: `SELECT first("value") FROM "${COUNTERS.sent}" WHERE "run" =~ /^$run$/ AND $timeFilter GROUP BY "run"` },
    { name: 'Run end', query: `SELECT last("value") FROM "${COUNTERS.requests}" WHERE "run" =~ /^$run$/ AND $timeFilter GROUP BY "run"` },
  ],
  // A region from the run's first to its last sample (k6 sends stale markers at the end with
  // K6_PROMETHEUS_RW_STALE_MARKERS=true).
  prometheus: [{ name: 'Runs', query: `count by (run) (k6_${COUNTERS.sent}_total{run=~"$run"})` }],
};

/**
 * Campaign point annotations from llm_campaign_point (1 at a point's start, 0 at its end; see
 * src/campaign/annotations.ts): InfluxDB rows are events, Prometheus regions are where it is >= 1.
 */
export const POINT_ANNOTATIONS = {
  influxdb: [
    { name: 'Point start', query: `SELECT "value" FROM "${CAMPAIGN_METRICS.point}" WHERE "value" = 1 AND "campaign" =~ /^$campaign$/ AND "point" =~ /^$point$/ AND $timeFilter GROUP BY "point"` },
    { name: 'Point end', query: `SELECT "value" FROM "${CAMPAIGN_METRICS.point}" WHERE "value" = 0 AND "campaign" =~ /^$campaign$/ AND "point" =~ /^$point$/ AND $timeFilter GROUP BY "point"` },
  ],
  prometheus: [{ name: 'Campaign points', query: `max by (campaign, point) (k6_${CAMPAIGN_METRICS.point}{campaign=~"$campaign",point=~"$point"})` }],
};
