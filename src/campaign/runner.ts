// `llm-replay campaign run`: runs the planned points one after the other (warm-up, the point,
// cool-down), each in its own child process, keeps campaign.json up to date after every change,
// skips points already done (--resume), then the capacity search if the file asks for one.
// Ctrl-C / SIGTERM: the running point is told to stop (it writes what it measured), is marked
// incomplete, and the campaign ends with exit 130; nothing done is lost.

import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { formatSlo } from '../metrics/slo';
import type { ReplayResult } from '../metrics/summary';
import { OptionError } from '../config/env';
import { EXIT } from '../engine/exit-codes';
import type { CampaignSpec } from './file';
import { planMatrix, planPoint, warmupArgv, type PlannedPoint, type RecordedRate } from './plan';
import { pointPaths, readIndex, writeIndex, type CampaignIndex, type IndexPoint } from './index-file';
import { PointProcess } from './point-process';
import { CampaignProgress } from './progress';
import { recordEngineMetrics } from './engine-metrics';
import { openPointMarkers, type PointMarkers } from './annotations';
import { searchCapacity, type ProbeOutcome } from './capacity';
import { formatDuration } from '../engine/progress';

export interface CampaignRunOptions {
  outDir: string;
  resume: boolean;
  rate: RecordedRate;
  /** The result lines (stdout) and the progress / messages (stderr). */
  out: (t: string) => void;
  err: (t: string) => void;
  tty: boolean;
  /** Flags added to every measured point (e.g. --web-dashboard=HOST:PORT). */
  pointArgs?: string[];
}

/** Tags a run sets itself (src/cli/run-flags.ts): labels of those names stay labels only. */
const RUN_OWN_TAGS = new Set(['run', 'trace', 'endpoint', 'model', 'scenario']);

class Interrupted extends Error {}

/** What a point's summary says about its SLOs (a sessions summary keeps the serving result inside). */
export function pointSlo(summaryFile: string): ProbeOutcome & { attainment: number; goodputRps: number; ttftP99: number | null } {
  const raw = JSON.parse(readFileSync(summaryFile, 'utf8')) as ReplayResult & { serving?: ReplayResult };
  const r = raw.serving ?? raw;
  const slo = r.slo;
  return {
    met: slo?.requestsMet ?? r.requests.succeeded, total: slo?.requestsTotal ?? r.requests.sent, pointId: '',
    attainment: slo?.attainment ?? (r.requests.sent ? r.requests.succeeded / r.requests.sent : 0),
    goodputRps: slo?.goodputRps ?? r.throughput.requestsPerS,
    ttftP99: r.latencyMs.ttft?.p99 ?? null,
  };
}

/** Warm-up records first, marked warmup:true, then the measured ones: one requests.jsonl. */
async function joinRecords(warmup: string, measured: string, into: string): Promise<void> {
  const tmp = `${into}.tmp`;
  const out = createWriteStream(tmp);
  const copy = async (file: string, mark: boolean) => {
    if (!existsSync(file)) return;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (!line) continue;
      out.write(mark ? line.replace(/}\s*$/, ',"warmup":true}') + '\n' : line + '\n');
    }
  };
  await copy(warmup, true);
  await copy(measured, false);
  await new Promise((r) => out.end(r));
  renameSync(tmp, into);
  unlinkSync(warmup);
}

export class CampaignRunner {
  private readonly index: CampaignIndex;
  private readonly progress: CampaignProgress;
  private markers: PointMarkers | null = null;
  private current: PointProcess | null = null;
  private interrupted = false;
  private readonly pointTimes: number[] = [];
  private ran = 0;
  private total = 0;
  private bounded = false;
  private failed = 0;

  constructor(private readonly spec: CampaignSpec, private readonly o: CampaignRunOptions) {
    const existing = readIndex(o.outDir);
    if (existing && !o.resume) throw new OptionError(`${o.outDir} already holds campaign "${existing.name}": add --resume to continue it (done points are skipped), or pick another --out-dir`);
    if (existing && existing.name !== spec.name) throw new OptionError(`${o.outDir} holds campaign "${existing.name}", not "${spec.name}": pick another --out-dir`);
    // Done points were judged against the SLOs of their run: a resume must not mix two sets.
    if (existing && JSON.stringify(existing.slo.map(formatSlo)) !== JSON.stringify(spec.slo.map(formatSlo))) {
      throw new OptionError(`${o.outDir}: its points were measured against slo [${existing.slo.map(formatSlo).join(', ')}], the file now says [${spec.slo.map(formatSlo).join(', ')}]: put the old SLOs back or pick another --out-dir`);
    }
    this.index = existing ?? { version: 1, name: spec.name, file: spec.file, createdUnixMs: Date.now(), slo: spec.slo, points: [] };
    this.progress = new CampaignProgress(o.tty, o.err);
  }

  private save(): void {
    writeIndex(this.o.outDir, this.index);
  }

  private entry(p: PlannedPoint): IndexPoint {
    let e = this.index.points.find((x) => x.id === p.id);
    if (!e) {
      const { summary, requests } = pointPaths(p.id);
      e = { id: p.id, kind: p.kind, labels: p.labels, load: p.load, status: 'pending', summary, requests };
      this.index.points.push(e);
    }
    return e;
  }

  async run(): Promise<number> {
    const matrix = planMatrix(this.spec, this.o.rate);
    for (const p of matrix) this.entry(p);
    this.save();
    this.total = matrix.length + (this.spec.capacity?.maxProbes ?? 0);
    this.bounded = this.spec.capacity !== null;
    const onSignal = () => {
      if (!this.interrupted) this.progress.message('interrupted: the running point stops sending and writes what it measured (it is marked incomplete)');
      this.interrupted = true;
      this.current?.interrupt();
    };
    const onExit = () => this.current?.kill();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', onExit);
    try {
      if (this.spec.outputs.length) this.markers = await openPointMarkers(this.spec.name, this.spec.outputs, (t) => this.progress.message(t));
      for (const p of matrix) await this.runOrSkip(p);
      if (this.spec.capacity) await this.capacity();
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', onExit);
      this.progress.end();
      await this.markers?.close((t) => this.o.err(t + '\n'));
      this.save();
    }
    const counts = { done: 0, incomplete: 0, failed: 0, pending: 0 };
    for (const p of this.index.points) counts[p.status]++;
    this.o.out(`campaign ${this.spec.name}: ${counts.done} done, ${counts.incomplete} incomplete, ${counts.failed} failed, ${counts.pending} pending; results in ${this.o.outDir}/campaign.json\n`);
    if (this.interrupted) return EXIT.interrupted;
    return this.failed > 0 ? EXIT.startFailed : EXIT.ok;
  }

  /** Runs the point unless it is done already; throws Interrupted after an interrupted point. */
  private async runOrSkip(p: PlannedPoint): Promise<IndexPoint> {
    const e = this.entry(p);
    this.ran++;
    if (e.status === 'done' && existsSync(join(this.o.outDir, e.summary))) {
      this.progress.message(`point ${this.ran}/${this.bounded ? '<=' : ''}${this.total} ${p.id}: done before, skipped`);
      return e;
    }
    if (this.interrupted) throw new Interrupted();
    if (this.pointTimes.length > 0 && this.spec.cooldownS > 0) await this.cooldown();
    const t0 = Date.now();
    await this.runPoint(p, e);
    this.pointTimes.push(Date.now() - t0 + this.spec.cooldownS * 1000);
    if (e.status === 'incomplete') throw new Interrupted();
    return e;
  }

  private async cooldown(): Promise<void> {
    const until = Date.now() + this.spec.cooldownS * 1000;
    while (Date.now() < until && !this.interrupted) await new Promise((r) => setTimeout(r, Math.min(200, until - Date.now())));
    if (this.interrupted) throw new Interrupted();
  }

  private childArgs(p: PlannedPoint, dir: string, argv: string[], measured: boolean, runId: string): string[] {
    const args = [...argv, '--summary-json', join(dir, measured ? 'summary.json' : 'warmup-summary.json'), '--out', `jsonl=${join(dir, measured ? 'requests.jsonl' : 'warmup.jsonl')}`, '--run-id', runId];
    if (!measured) return [...args, '--no-scrape'];
    for (const s of this.spec.slo) args.push('--slo', formatSlo(s));
    args.push('--tag', `campaign=${this.spec.name}`, '--tag', `point=${p.id}`);
    for (const [k, v] of Object.entries(p.labels)) if (!RUN_OWN_TAGS.has(k)) args.push('--tag', `${k}=${v}`);
    for (const out of this.spec.outputs) args.push('--out', out);
    args.push(...(this.o.pointArgs ?? []));
    return args;
  }

  private async child(p: PlannedPoint, argv: string[], stdoutFile: string): Promise<{ code: number | null; tail: string[] }> {
    const proc = new PointProcess(argv, stdoutFile, {
      onProgress: (pct, etaMs) => this.show(p, pct, etaMs),
      onLine: (line) => this.progress.message(`[${p.id}] ${line}`),
    });
    this.current = proc;
    // A Ctrl-C between spawning and this line reaches the child now.
    if (this.interrupted) proc.interrupt();
    const exit = await proc.done;
    this.current = null;
    return exit;
  }

  private show(p: PlannedPoint, pct: number | null, etaMs: number | null): void {
    const mean = this.pointTimes.length ? this.pointTimes.reduce((a, b) => a + b, 0) / this.pointTimes.length : null;
    this.progress.update({ k: this.ran, total: this.total, bounded: this.bounded, pointId: p.id, pointPct: pct, pointEtaMs: etaMs, meanPointMs: mean });
  }

  private async runPoint(p: PlannedPoint, e: IndexPoint): Promise<void> {
    const paths = pointPaths(p.id);
    const dir = join(this.o.outDir, paths.dir);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    Object.assign(e, { status: 'incomplete', startedUnixMs: Date.now(), endedUnixMs: undefined, engineMetrics: undefined, error: 'started, not finished (the campaign stopped during this point)' });
    this.save();
    this.show(p, null, null);
    const runId = `${this.spec.name}-${p.id}`;
    if (this.spec.warmupRequests > 0 && p.kind === 'replay') {
      const w = await this.child(p, this.childArgs(p, dir, warmupArgv(p, this.spec.warmupRequests), false, `${runId}-warmup`), join(dir, 'warmup-output.txt'));
      if (!this.interrupted && w.code !== 0) return this.finish(e, 'failed', `warm-up failed (exit ${w.code}): ${w.tail.join(' | ')}`);
    }
    if (this.interrupted) return this.finish(e, 'incomplete', 'interrupted during the warm-up');
    this.markers?.start(p.id, p.labels);
    const scrape = this.spec.scrapeIntervalS !== null && p.target.metricsUrl
      ? await recordEngineMetrics(p.target.metricsUrl, this.spec.scrapeIntervalS * 1000, join(dir, 'engine-metrics.jsonl'))
      : null;
    const x = await this.child(p, this.childArgs(p, dir, p.argv, true, runId), join(dir, 'output.txt'));
    this.markers?.end();
    const scraped = scrape ? await scrape.stop() : 0;
    if (scraped > 0) e.engineMetrics = paths.engineMetrics;
    if (existsSync(join(dir, 'warmup.jsonl'))) await joinRecords(join(dir, 'warmup.jsonl'), join(dir, 'requests.jsonl'), join(dir, 'requests.jsonl'));
    const haveSummary = existsSync(join(this.o.outDir, e.summary));
    // 0 passed, 99 a threshold failed: both measured the whole point. 130: interrupted.
    if (this.interrupted || x.code === EXIT.interrupted) return this.finish(e, 'incomplete', haveSummary ? 'interrupted: the summary covers the requests measured until then' : 'interrupted before a summary was written');
    if ((x.code === 0 || x.code === EXIT.thresholds) && haveSummary) return this.finish(e, 'done');
    return this.finish(e, 'failed', `exit ${x.code ?? 'by signal'}: ${x.tail.join(' | ') || 'no message'}`);
  }

  private finish(e: IndexPoint, status: IndexPoint['status'], error?: string): void {
    // Every failed point counts toward the exit code, a failed warm-up too.
    if (status === 'failed') this.failed++;
    e.status = status;
    e.endedUnixMs = Date.now();
    if (error) e.error = error;
    else delete e.error;
    this.save();
    this.progress.idle();
    const took = e.startedUnixMs ? formatDuration(e.endedUnixMs - e.startedUnixMs) : '';
    let what: string = status;
    if (status === 'done') {
      const s = pointSlo(join(this.o.outDir, e.summary));
      what = this.spec.slo.length
        ? `done in ${took}: SLO attainment ${(s.attainment * 100).toFixed(1)}% (${s.met}/${s.total}), goodput ${s.goodputRps.toFixed(2)} req/s`
        : `done in ${took}: ${s.total} requests, TTFT p99 ${s.ttftP99 === null ? 'n/a' : s.ttftP99.toFixed(1) + ' ms'}`;
    } else if (error) what = `${status}: ${error}`;
    this.progress.message(`point ${this.ran}/${this.bounded ? '<=' : ''}${this.total} ${e.id}: ${what}`);
  }

  private async capacity(): Promise<void> {
    const cap = this.spec.capacity!;
    const trace = this.spec.traces[0];
    const target = this.spec.targets[0];
    const result = await searchCapacity(cap, async (value, repeat) => {
      const p = planPoint(this.spec, trace, target, { kind: cap.load, value }, this.o.rate, 'cap-');
      if (repeat > 0) p.id += `-r${repeat + 1}`;
      const e = await this.runOrSkip(p);
      if (e.status !== 'done') throw new Error(`capacity search stopped: probe ${p.id} ${e.status}${e.error ? `: ${e.error}` : ''}`);
      return { ...pointSlo(join(this.o.outDir, e.summary)), pointId: p.id };
    }).catch((err: Error) => {
      if (err instanceof Interrupted) throw err;
      this.failed++;
      this.progress.message(err.message);
      return null;
    });
    if (!result) return;
    this.index.capacity = result;
    this.save();
    const unit = cap.load === 'speedup' ? 'x speed-up' : cap.load === 'rate' ? ' req/s' : ' users';
    this.o.out(`capacity (${cap.load} at SLO attainment >= ${(cap.target * 100).toFixed(1)}%): ${result.answer === null ? 'none in range' : `${result.answer}${unit}`}\n` +
      `  ${result.confidence}\n  probes: ${result.probes.map((p) => `${p.value} -> ${(p.attainment * 100).toFixed(1)}%`).join(', ')}\n`);
  }
}
