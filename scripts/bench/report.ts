// Bench: `llm-replay report html` (and `report compare`) on a synthetic campaign of 20 points x
// 10k requests (--points/--requests to change it, --quick: 20 x 2k). The result files are
// generated from the record shape (RequestRecord, one JSONL line per request), each point's
// summary assembled by the real summary code from histograms of those records (ITL from the
// per-request means), an SLO block, and one engine /metrics scrape per second of vLLM names.
// Prints generation time, file sizes, and for the report: wall time, peak RSS (/usr/bin/time)
// and the HTML size, at 1k requests per point and at the full size, so a memory that grew with
// the records would show, and once more with V8's heap capped at 64 MB.
// Usage: npx tsx scripts/bench/report.ts [--quick] [--points N] [--requests N] [--no-compare] [--keep]

import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addValues, emptyHistogram, type LogHistogram } from '../../src/metrics/histogram';
import { HISTOGRAMS } from '../../src/metrics/names';
import { assembleResult, statsOf } from '../../src/metrics/summary';
import { mulberry32 } from '../../src/prompt/prng';
import type { RequestRecord } from '../../src/outputs/jsonl';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SLO_TTFT_MS = 500;
const HEAP_CAP_MB = 64;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** Waits for a stream's buffer to drain so the generator itself stays in bounded memory. */
function write(out: WriteStream, s: string): Promise<void> | undefined {
  return out.write(s) ? undefined : new Promise((r) => out.once('drain', () => r()));
}

function close(out: WriteStream): Promise<void> {
  return new Promise((r) => out.end(() => r()));
}

/** One point: load L means L x 2 req/s sent, and latencies growing with L. */
async function writePoint(dir: string, id: string, load: number, n: number, seed: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const rng = mulberry32(seed);
  const u = () => (rng() + 0.5) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const h: Record<string, LogHistogram> = {};
  for (const name of Object.values(HISTOGRAMS)) h[name] = emptyHistogram();
  const t0 = 1_790_000_000_000 + seed * 1e7;
  const rate = 2 * load;
  const errors: Record<string, number> = {};
  let send = t0;
  let input = 0;
  let output = 0;
  let cached = 0;
  let ok = 0;
  let met = 0;
  let lastEnd = t0;
  const records = createWriteStream(join(dir, 'requests.jsonl'));
  for (let i = 0; i < n; i++) {
    send += (-Math.log(u()) * 1000) / rate;
    const prompt = 1000 + Math.floor(u() * 7000);
    const out = 20 + Math.floor(u() * 480);
    const ttft = 40 * Math.exp(0.5 * normal()) * (1 + (load * load) / 40);
    const tpot = 8 * (1 + load / 10) * Math.exp(0.2 * normal());
    const failed = u() < 0.005 * (1 + load / 5);
    const e2e = failed ? ttft * 2 : ttft + tpot * (out - 1);
    const cachedTokens = Math.floor(prompt * u() * 0.6);
    const r: RequestRecord & { sloOk: boolean } = {
      id: `${id}-${i}`, index: i, line: i + 1, scheduledUnixMs: send, sendUnixMs: send + 0.1, lagMs: 0.1, ok: !failed,
      status: failed ? 503 : 200, e2eMs: e2e, connectMs: 0, outputTokens: failed ? 0 : out, tokenSource: 'usage', sloOk: false,
    };
    addValues(h[HISTOGRAMS.sendUnix], [send]);
    addValues(h[HISTOGRAMS.endUnix], [send + e2e]);
    addValues(h[HISTOGRAMS.sendAt], [send - t0]);
    addValues(h[HISTOGRAMS.endAt], [send - t0 + e2e]);
    lastEnd = Math.max(lastEnd, send + e2e);
    if (failed) {
      r.reason = u() < 0.5 ? 'http_503' : 'timeout';
      errors[r.reason] = (errors[r.reason] ?? 0) + 1;
    } else {
      Object.assign(r, { ttfbMs: ttft * 0.9, ttftMs: ttft, tpotMs: tpot, itlMeanMs: tpot, itlMaxMs: tpot * 3, promptTokens: prompt, cachedTokens });
      r.sloOk = ttft <= SLO_TTFT_MS;
      ok++;
      if (r.sloOk) met++;
      input += prompt;
      output += out;
      cached += cachedTokens;
      addValues(h[HISTOGRAMS.ttft], [ttft]);
      addValues(h[HISTOGRAMS.tpot], [tpot]);
      addValues(h[HISTOGRAMS.itl], [tpot]);
      addValues(h[HISTOGRAMS.e2e], [e2e]);
    }
    await write(records, JSON.stringify(r) + '\n');
  }
  await close(records);
  // The engine's /metrics, one scrape a second over the run.
  const engine = createWriteStream(join(dir, 'engine-metrics.jsonl'));
  let gen = 0;
  let hits = 0;
  let queries = 0;
  for (let t = t0; t <= lastEnd; t += 1000) {
    gen += rate * 250 * u() * 2;
    queries += rate * 4000;
    hits += rate * 4000 * 0.3 * u();
    const running = Math.round(rate * 2 * u());
    const samples: Array<[string, number]> = [
      ['vllm:num_requests_running', running], ['vllm:num_requests_waiting', Math.round(load * u())], ['vllm:kv_cache_usage_perc', Math.min(1, load / 25 + 0.1 * u())],
      ['vllm:generation_tokens_total', gen], ['vllm:prefix_cache_queries_total', queries], ['vllm:prefix_cache_hits_total', hits],
    ];
    for (const [name, value] of samples) await write(engine, JSON.stringify({ t, name, value, labels: { model_name: 'synthetic' } }) + '\n');
  }
  await close(engine);
  const run = { runId: id, trace: 'synthetic', format: 'mooncake', baseUrl: 'http://127.0.0.1:8000', endpoint: 'chat', model: 'synthetic', platform: 'engine', speedup: load, plannedRequests: n };
  const result = assembleResult(run, { sent: n, succeeded: ok, failed: n - ok, droppedIterations: 0, errors, input, output, cached, countedByChunks: 0 },
    { ttft: statsOf(h[HISTOGRAMS.ttft]), tpot: statsOf(h[HISTOGRAMS.tpot]), itl: statsOf(h[HISTOGRAMS.itl]), e2e: statsOf(h[HISTOGRAMS.e2e]), ttfb: null, dispatchLag: null },
    lastEnd - h[HISTOGRAMS.sendUnix].min, h, 0);
  const ttftP99 = result.latencyMs.ttft?.p99 ?? NaN;
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({
    ...result,
    slo: { objectives: [{ metric: 'ttft', stat: 'p99', op: '<=', threshold: SLO_TTFT_MS, value: ttftP99, met: ttftP99 <= SLO_TTFT_MS }], requestsMet: met, requestsTotal: n, attainment: met / n, goodputRps: met / result.durationS },
  }));
}

async function writeCampaign(root: string, points: number, requests: number): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  const entries = [];
  for (let i = 0; i < points; i++) {
    const id = `synthetic-x${i + 1}`;
    await writePoint(join(root, 'points', id), id, i + 1, requests, i + 1);
    entries.push({ id, kind: 'replay', labels: { target: 'synthetic' }, load: { kind: 'speedup', value: i + 1 }, status: 'done',
      summary: `points/${id}/summary.json`, requests: `points/${id}/requests.jsonl`, engineMetrics: `points/${id}/engine-metrics.jsonl` });
  }
  writeFileSync(join(root, 'campaign.json'), JSON.stringify({ version: 1, name: `synthetic ${points}x${requests}`, file: 'synthetic', createdUnixMs: 0,
    slo: [{ metric: 'ttft', stat: 'p99', op: '<=', threshold: SLO_TTFT_MS }], points: entries }, null, 2));
}

function du(path: string): number {
  const r = spawnSync('du', ['-sb', path], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

/** Runs the CLI under /usr/bin/time -v: wall seconds and peak RSS (`heapMb` caps V8's old space). */
function timed(args: string[], heapMb?: number): { wallS: number; rssMb: number } {
  const started = Date.now();
  const node = heapMb ? [process.execPath, `--max-old-space-size=${heapMb}`] : [process.execPath];
  const r = spawnSync('/usr/bin/time', ['-v', ...node, join(ROOT, 'dist/app/llm-replay.js'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`llm-replay ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return { wallS: (Date.now() - started) / 1000, rssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const points = arg('points', 20);
  const requests = arg('requests', quick ? 2000 : 10_000);
  const sizes = [...new Set([1000, requests])];
  for (const n of sizes) {
    const root = join(tmpdir(), `k6-llm-replay-report-bench-${points}x${n}`);
    const g0 = Date.now();
    await writeCampaign(root, points, n);
    const gen = (Date.now() - g0) / 1000;
    const html = join(root, 'report.html');
    const h = timed(['report', 'html', root, '-o', html, '--quiet']);
    // With the heap capped, a report that held the records would fail; a streamed one only collects more often.
    const capped = timed(['report', 'html', root, '-o', html, '--quiet'], HEAP_CAP_MB);
    const svg = timed(['report', 'html', root, '--format', 'svg', '-o', join(root, 'svg'), '--quiet']);
    const c = process.argv.includes('--no-compare') ? undefined : timed(['report', 'compare', root, root, '--quiet', '--resamples', '1000']);
    console.log(`report bench ${points} points x ${n.toLocaleString('en-US')} requests (results ${(du(join(root, 'points')) / 1e6).toFixed(0)} MB, generated in ${gen.toFixed(1)} s):`);
    console.log(`  report html:         ${h.wallS.toFixed(1)} s, peak RSS ${h.rssMb.toFixed(0)} MB, report.html ${(statSync(html).size / 1e6).toFixed(2)} MB`);
    console.log(`  report html --format svg: ${svg.wallS.toFixed(1)} s, peak RSS ${svg.rssMb.toFixed(0)} MB, ${(du(join(root, 'svg')) / 1e6).toFixed(2)} MB of SVG`);
    console.log(`  report html, JS heap capped at ${HEAP_CAP_MB} MB: ${capped.wallS.toFixed(1)} s, peak RSS ${capped.rssMb.toFixed(0)} MB`);
    if (c) console.log(`  report compare (self, 1000 resamples): ${c.wallS.toFixed(1)} s, peak RSS ${c.rssMb.toFixed(0)} MB`);
    if (!process.argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
  }
}

await main();
