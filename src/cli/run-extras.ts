// What every load command (replay, sessions, run) adds around its run: the live dashboard
// (--web-dashboard) and the HTML report beside the results at the end, the run card, the cost
// (--cost-per-hour) and the GPU energy (--gpu-metrics-url, or DCGM series in the engine's own
// /metrics). One object per run: open before the outputs, begin before the load, end after it,
// blocks for the summary, finish once the summary is written.

import { basename, dirname, join } from 'node:path';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import type { EnvMap } from '../config/env';
import { getText } from '../engine/get-text';
import { HISTOGRAMS } from '../metrics/names';
import { clientSplit, costOf, costRows, engineSplit, engineTimes, type CostBlock } from '../metrics/cost';
import { header, line, type ReplayResult } from '../metrics/summary';
import { energyOf, energyRows, parseDcgm, type EnergyBlock, type GpuReading } from '../observe/dcgm';
import { finishCard, renderCard, serverCard, startCard, type RunCard } from '../outputs/run-card';
import type { Output } from '../outputs/sample';
import { isS3Url } from '../storage/s3';
import { buildCharts } from '../report/charts';
import { digestPoint } from '../report/digest';
import { renderHtml } from '../report/html';
import { DashboardAddressError, LiveDashboard, parseDashboardAddress } from '../live/dashboard';
import { UsageError, type FlagSpec } from './flags';
import type { ProgressReporter } from '../engine/progress';

export const EXTRA_FLAGS: FlagSpec[] = [
  { flag: 'web-dashboard', kind: 'bool', value: 'HOST:PORT', help: 'live charts in a browser while the run goes (--web-dashboard or --web-dashboard=HOST:PORT, default 127.0.0.1:5665); the HTML report is written beside the summary at the end' },
  { flag: 'cost-per-hour', value: 'USD', help: 'price of the serving hardware per hour: $ per million input/output tokens, per request (and session) in the summary' },
  { flag: 'gpu-metrics-url', value: 'URL', help: "a DCGM exporter's /metrics (power, energy): joules per token (default: the engine's /metrics when it has DCGM series)" },
];

const GPU_READ_MS = 1000;

export interface ExtrasSetup {
  command: string;
  argv: readonly string[];
  specs: readonly FlagSpec[];
  options: EnvMap;
  runId: string;
  baseUrl: string;
  apiKey?: string;
  /** The engine's /metrics (the scrape URL), for the prefill/decode split and DCGM series. */
  metricsUrl: string;
  traces: readonly string[];
  log: (t: string) => void;
}

export interface ExtraBlocks {
  runCard: RunCard;
  cost?: CostBlock;
  energy?: EnergyBlock;
}

/** The HTML report's path beside a summary: DIR/report.html for DIR/summary.json, else NAME.report.html. */
export function reportPathFor(summaryJson: string): string {
  return basename(summaryJson) === 'summary.json' ? join(dirname(summaryJson), 'report.html') : summaryJson.replace(/\.json$/, '') + '.report.html';
}

export class RunExtras {
  /** Outputs owned here (the live dashboard): fed by the run's outputs, stopped by finish(). */
  readonly own: Output[] = [];
  private readonly dashboard?: LiveDashboard;
  private readonly costPerHour?: number;
  private card?: Omit<RunCard, 'rowsReplayed' | 'transport'>;
  private timesBefore: ReturnType<typeof engineTimes> = null;
  private timesAfter: ReturnType<typeof engineTimes> = null;
  private gpuUrl?: string;
  private readonly readings: GpuReading[] = [];
  private gpuTimer?: NodeJS.Timeout;

  constructor(private readonly s: ExtrasSetup) {
    const dash = s.options.WEB_DASHBOARD;
    if (dash !== undefined && dash !== 'false') {
      try {
        this.dashboard = new LiveDashboard(parseDashboardAddress(dash), s.runId, `${s.command} ${s.runId}`, s.log);
      } catch (e) {
        if (e instanceof DashboardAddressError) throw new UsageError(e.message);
        throw e;
      }
      this.own.push(this.dashboard);
    }
    const cost = s.options.COST_PER_HOUR;
    if (cost !== undefined) {
      const n = Number(cost);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--cost-per-hour ${cost}: give the hourly price in USD, e.g. --cost-per-hour 2.50`);
      this.costPerHour = n;
    }
    const gpu = s.options.GPU_METRICS_URL;
    if (gpu !== undefined && !/^https?:\/\//.test(gpu)) throw new UsageError(`--gpu-metrics-url ${gpu}: give the exporter's http(s) URL, e.g. http://gpu-node:9400/metrics`);
  }

  private async metricsText(url: string): Promise<string | undefined> {
    const headers: Record<string, string> = this.s.apiKey && url.startsWith(this.s.baseUrl) ? { authorization: `Bearer ${this.s.apiKey}` } : {};
    const got = await getText(url, headers, 5000);
    return 'error' in got || got.status !== 200 ? undefined : got.body;
  }

  private async readGpu(): Promise<void> {
    if (!this.gpuUrl) return;
    const text = await this.metricsText(this.gpuUrl);
    const r = text === undefined ? null : parseDcgm(text, Date.now());
    if (r) this.readings.push(r);
  }

  /** Before the load: the server asked for its card, the engine's time sums and the GPU read once. */
  async begin(): Promise<void> {
    const big = this.s.traces.filter((t) => existsSync(t) && statSync(t).isFile() && statSync(t).size > 1e9);
    if (big.length) this.s.log(`run card: hashing ${big.join(', ')} (sha256, ~1 s per GB)`);
    const [server, engineText] = await Promise.all([serverCard(this.s.baseUrl, this.s.apiKey, this.s.metricsUrl), this.metricsText(this.s.metricsUrl)]);
    this.card = startCard({ runId: this.s.runId, command: this.s.command, argv: this.s.argv, specs: this.s.specs, traces: this.s.traces, server });
    if (this.costPerHour !== undefined && engineText) this.timesBefore = engineTimes(engineText);
    const given = this.s.options.GPU_METRICS_URL;
    if (given) {
      this.gpuUrl = given;
      await this.readGpu();
      if (this.readings.length === 0) this.s.log(`--gpu-metrics-url ${given}: no DCGM_FI_DEV_POWER_USAGE / DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION there yet (is it a DCGM exporter?); reading it again during the run`);
    } else if (engineText && parseDcgm(engineText, Date.now())) {
      this.gpuUrl = this.s.metricsUrl;
      await this.readGpu();
    }
    if (this.gpuUrl) {
      this.gpuTimer = setInterval(() => void this.readGpu(), GPU_READ_MS);
      this.gpuTimer.unref();
    }
  }

  /** The dashboard's sends and in-flight over time: the run's live counts (its progress line's). */
  watch(progress: ProgressReporter): void {
    this.dashboard?.watch(() => progress.snapshot());
  }

  /** After the load: the last GPU reading and the engine's time sums again. */
  async end(): Promise<void> {
    if (this.gpuTimer) clearInterval(this.gpuTimer);
    await this.readGpu();
    if (this.costPerHour !== undefined && this.timesBefore) {
      const text = await this.metricsText(this.s.metricsUrl);
      this.timesAfter = text ? engineTimes(text) : null;
    }
  }

  /** The blocks of the summary, from its serving figures (and the session count, for sessions). */
  blocks(r: ReplayResult, summary: object, sessions?: number): ExtraBlocks {
    const runCard = finishCard(this.card ?? startCard({ runId: this.s.runId, command: this.s.command, argv: this.s.argv, specs: this.s.specs, traces: this.s.traces, server: { models: null, version: null, buildInfo: {} } }), summary, r.requests.sent);
    const out: ExtraBlocks = { runCard };
    if (this.costPerHour !== undefined) {
      const split = engineSplit(this.timesBefore, this.timesAfter) ?? clientSplit(r.histograms?.[HISTOGRAMS.ttft]?.sum, r.histograms?.[HISTOGRAMS.e2e]?.sum);
      out.cost = costOf({
        costPerHourUsd: this.costPerHour, durationS: r.durationS, inputTokens: r.tokens.input, outputTokens: r.tokens.output,
        requests: r.requests.succeeded, sessions, split,
      });
    }
    const energy = this.gpuUrl ? energyOf(this.readings, { input: r.tokens.input, output: r.tokens.output }, this.gpuUrl) : null;
    if (energy) out.energy = energy;
    else if (this.gpuUrl) this.s.log(`GPU energy: fewer than two DCGM readings from ${this.gpuUrl} over the run: no energy figures`);
    return out;
  }

  /** Table rows for the blocks, after the serving table. */
  static table(b: ExtraBlocks): string {
    const rows: string[] = [];
    if (b.cost) rows.push(header('Cost'), ...costRows(b.cost).map(([l, v]) => line(l, v)));
    if (b.energy) rows.push(header('GPU energy'), ...energyRows(b.energy).map(([l, v]) => line(l, v)));
    return (rows.length ? rows.join('\n') + '\n' : '') + renderCard(b.runCard);
  }

  /**
   * After the summary is written: with the dashboard, the HTML report of the run beside the
   * summary (records from the JSONL file when there is one), then the pages told the run ended.
   */
  async finish(summaryJson: string, requestsPath: string | undefined): Promise<void> {
    if (!this.dashboard) return;
    let report: string | undefined;
    if (isS3Url(summaryJson)) this.s.log('the HTML report is written beside a local summary only (--summary-json is an s3:// URL): run llm-replay report html on the results');
    else {
      try {
        report = reportPathFor(summaryJson);
        const ref = { id: this.s.runId, labels: {}, status: 'done', summaryPath: summaryJson, requestsPath: requestsPath && !isS3Url(requestsPath) ? requestsPath : undefined };
        const digest = digestPoint(ref, { maxBins: 120 });
        const html = renderHtml({ kind: 'run', name: this.s.runId, path: summaryJson, points: [ref] }, [digest], buildCharts([digest]), `llm-replay report: ${this.s.runId}`, new Date());
        mkdirSync(dirname(report), { recursive: true });
        writeFileSync(report, html);
        this.s.log(`report: ${report}`);
      } catch (e) {
        this.s.log(`the HTML report could not be written: ${(e as Error).message}`);
        report = undefined;
      }
    }
    await this.dashboard.finish(report);
  }
}
