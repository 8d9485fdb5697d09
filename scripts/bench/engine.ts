// make bench: the engine's figures side by side, from one run on this machine.
//   1. timing against the wire (tcpdump on lo): engine TTFT/E2E/send error, and the simulator's
//      ground-truth error, on the Mooncake sample at 10x;
//   2. dispatch lag of short requests (128-token prompts, 16 output tokens) at 100 and 1,000 req/s;
//   3. the highest rate with lag p99 < 5 ms and nothing dropped, one worker and --workers auto;
//   4. CPU seconds per 1,000 requests; 5. peak RSS at each rate and for 20k/200k-request traces.
//   6. in section 1, the first 50 requests apart from the rest (lateness on the wire, lag, TTFT).
// Prints a figures table against the goals; asserts nothing (benchmarks are not timed tests).
//
//   npx tsx scripts/bench/engine.ts [--quick] [--only wire|rates|mooncake|big] [--no-engine-warmup] [--dev]
//   (--dev: the sources through tsx instead of the bundle dist/app, as before the build existed)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSim, type SimProcess } from '../../src/sim/spawn';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import { readPcap } from './pcap';
import { wireExchanges } from './wire';
import { absDist, accuracy, wireLateness, type AccuracyFigures, type Dist, type EngineRecord } from './accuracy';
import { ensureTcpdump, runEngine, setEngine, startCapture, type EngineRun } from './procs';
import { constantRateTrace, mooncakeTraceOfRows } from './traces';
import { FiguresTable } from './table';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, 'no-engine-warmup': { type: 'boolean' }, dev: { type: 'boolean' }, help: { type: 'boolean' } } });
if (values.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 12).join('\n') + '\n');
  process.exit(0);
}
const quick = values.quick === true;
if (values.dev) setEngine('dev');
const want = (name: string) => !values.only || values.only === name;
const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
const table = new FiguresTable();
const f = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
const dist = (d: Dist) => `p50 ${f(d.p50)} / p99 ${f(d.p99)} / max ${f(d.max)}`;

/** The Mooncake runs' simulator: the small preset at 20x its speed, ground truth on. */
const MOONCAKE_SIM = ['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '131072', '--quiet'];
/** Short-request runs: a tiny, quick engine, pinned to the second core so it leaves the first to the engine. */
const FAST_SIM = ['--preset', 'fast', '--time-scale', '0.01', '--max-num-seqs', '1024', '--max-num-batched-tokens', '131072', '--kv-blocks', '200000', '--quiet'];
const ENGINE_CPU = '0';
const SIM_CPU = '1';

async function withSim<T>(args: string[], body: (sim: SimProcess) => Promise<T>, cpus?: string): Promise<T> {
  const sim = await spawnSim(args, 30_000);
  if (cpus) spawnSync('taskset', ['-p', '-c', cpus, String(sim.proc.pid)], { stdio: 'ignore' });
  try {
    return await body(sim);
  } finally {
    await sim.stop();
  }
}

function readRecords(path: string): EngineRecord[] {
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EngineRecord);
}

/** Engine accuracy against the wire, with `workers` threads sending (bursts spread over them). */
async function wireSection(workers = 1): Promise<void> {
  ensureTcpdump();
  // Past FIRST_N, so the first requests can be held against the rest.
  const n = quick ? 150 : 300;
  const tag = `wire-w${workers}`;
  const gtPath = join(dir, `${tag}.gt.jsonl`);
  const recPath = join(dir, `${tag}.records.jsonl`);
  let run!: EngineRun;
  let pcap = '';
  let port = 0;
  await withSim([...MOONCAKE_SIM, '--ground-truth', gtPath], async (sim) => {
    port = sim.port;
    const capture = await startCapture(dir, sim.port);
    try {
      run = await runEngine(dir, tag, ['--trace', 'traces/mooncake-sample.jsonl', '--base-url', sim.url, '--speedup', '10', '--max-requests', String(n), '--workers', String(workers), '--out', `jsonl=${recPath}`, ...(values['no-engine-warmup'] ? ['--no-engine-warmup'] : [])]);
    } finally {
      pcap = await capture.stop();
    }
  });
  const wire = wireExchanges(readPcap(readFileSync(pcap)), port);
  const truth = new Map(readGroundTruthFile(gtPath).map((g: GroundTruthRecord) => [g.id, g]));
  const records = readRecords(recPath);
  const a: AccuracyFigures = accuracy(records, truth, wire);
  const lag = run.summary.latencyMs.dispatchLag;
  table.section(`1${workers > 1 ? 'b' : ''}. Timing vs the wire (tcpdump on lo): Mooncake sample, ${n} requests at 10x, --workers ${workers}, sim ${MOONCAKE_SIM.slice(0, 6).join(' ')}; ${a.joined} joined, ${a.newConnections} on new connections (counted from the SYN)`);
  table.row('engine |TTFT - wire| ms', dist(a.engineTtft), 'p99 <= 0.5', a.engineTtft.p99 <= 0.5);
  table.row('engine |E2E - wire| ms', dist(a.engineE2e), 'p99 <= 0.5', a.engineE2e.p99 <= 0.5);
  table.row(`engine send - wire ms (offset ${f(a.engineSend.offsetMs)} removed)`, dist(absErr(a.engineSend.errors)));
  table.row('engine dispatch lag ms', lag ? `p50 ${f(lag.p50)} / p99 ${f(lag.p99)} / max ${f(lag.max)}` : 'n/a');
  table.row('sim |TTFT - wire| ms', dist(a.simTtft));
  table.row('sim |E2E - wire| ms', dist(a.simE2e));
  table.row(`sim arrival - wire ms (offset ${f(a.simArrival.offsetMs)} removed)`, dist(absErr(a.simArrival.errors)));
  table.row('sim first token - wire ms (same offset removed)', dist(a.simFirstToken));
  const first = (r: EngineRecord) => r.index < FIRST_N;
  const rest = (r: EngineRecord) => r.index >= FIRST_N;
  const firstA = accuracy(records.filter(first), truth, wire);
  const restA = accuracy(records.filter(rest), truth, wire);
  const lags = (pick: (r: EngineRecord) => boolean) => absDist(records.filter(pick).map((r) => r.lagMs));
  table.row(`first ${FIRST_N}: wire send late vs schedule ms`, dist(wireLateness(records, wire, a.engineSend.offsetMs, first)));
  table.row(`rest: wire send late vs schedule ms`, dist(wireLateness(records, wire, a.engineSend.offsetMs, rest)));
  table.row(`first ${FIRST_N}: engine dispatch lag ms`, dist(lags(first)));
  table.row(`rest: engine dispatch lag ms`, dist(lags(rest)));
  table.row(`first ${FIRST_N}: engine |TTFT - wire| ms`, dist(firstA.engineTtft));
  table.row(`rest: engine |TTFT - wire| ms`, dist(restA.engineTtft));
}

/** The first requests of a run, reported apart (the warm-up exists for them). */
const FIRST_N = 50;

function absErr(xs: number[]): Dist {
  const s = xs.map(Math.abs).sort((x, y) => x - y);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.round((p / 100) * (s.length - 1)))] : NaN);
  return { n: s.length, p50: q(50), p99: q(99), max: s[s.length - 1] };
}

interface RateRun {
  rate: number;
  run: EngineRun;
  ok: boolean;
}

async function rateRun(sim: SimProcess, rate: number, seconds: number, workers: string): Promise<RateRun> {
  const trace = constantRateTrace(dir, rate, rate * seconds, 128, 16);
  // A request the overloaded simulator never answers fails after 30 s instead of holding the run.
  const args = ['--trace', trace, '--base-url', sim.url, '--workers', workers, '--timeout-ms', '30000'];
  const run = await runEngine(dir, `rate-${rate}-w${workers}`, args, workers === '1' ? ENGINE_CPU : undefined);
  const r = run.summary.requests;
  const lag = run.summary.latencyMs.dispatchLag;
  const ok = run.code === 0 && (lag?.p99 ?? Infinity) < 5 && r.failed === 0 && r.sent === r.planned && !r.notSent;
  return { rate, run, ok };
}

function rateLine(x: RateRun): string {
  const r = x.run.summary.requests;
  const lag = x.run.summary.latencyMs.dispatchLag;
  return `lag p50 ${f(lag?.p50)} / p99 ${f(lag?.p99)} ms; sent ${r.sent}/${r.planned}, failed ${r.failed}; ${f(x.run.cpuS, 1)} s CPU, ${f(x.run.peakRssMb, 0)} MB`;
}

/** Startup CPU of one engine process (tsx, preflight, trace): subtracted from per-request CPU. */
let startupCpuS = 0;

function cpuPer1000(run: EngineRun, requests: number): string {
  return `${f((1000 * run.cpuS) / requests, 2)} s (net of startup ${f((1000 * Math.max(0, run.cpuS - startupCpuS)) / requests, 2)} s)`;
}

async function ratesSection(): Promise<void> {
  const seconds = quick ? 5 : 15;
  const levels = quick ? [100, 1000, 2000] : [100, 400, 1000, 2000, 3000];
  const autoLevels = quick ? [2000] : [1000, 2000, 3000];
  await withSim(FAST_SIM, async (sim) => {
    const startup = await runEngine(dir, 'startup', ['--trace', constantRateTrace(dir, 1, 1, 128, 16), '--base-url', sim.url], ENGINE_CPU);
    startupCpuS = startup.cpuS;
    const one: RateRun[] = [];
    for (const rate of levels) one.push(await rateRun(sim, rate, seconds, '1'));
    const auto: RateRun[] = [];
    for (const rate of autoLevels) auto.push(await rateRun(sim, rate, seconds, 'auto'));
    const at = (rate: number) => one.find((x) => x.rate === rate);
    table.section(`2. Dispatch lag, short requests (128-token prompts, 16 output tokens), one worker, ${seconds} s per rate; sim ${FAST_SIM.join(' ')} on core ${SIM_CPU}, engine on core ${ENGINE_CPU}`);
    for (const [rate, goal] of [[100, 1], [1000, 2]] as const) {
      const x = at(rate);
      const lag = x?.run.summary.latencyMs.dispatchLag;
      if (x) table.row(`lag at ${rate} req/s ms`, `p50 ${f(lag?.p50)} / p99 ${f(lag?.p99)}`, `p99 <= ${goal}`, (lag?.p99 ?? Infinity) <= goal);
    }
    table.section('3. Highest rate with lag p99 < 5 ms, nothing dropped or failed');
    for (const x of one) table.row(`1 worker, ${x.rate} req/s`, rateLine(x), undefined, x.ok);
    for (const x of auto) table.row(`--workers auto, ${x.rate} req/s`, rateLine(x), undefined, x.ok);
    const best = (xs: RateRun[]) => xs.reduce((b, x) => (x.ok ? Math.max(b, x.rate) : b), 0);
    table.row('highest, 1 worker', `${best(one)} req/s`, '>= 2000', best(one) >= 2000);
    table.row('highest, --workers auto', `${best(auto)} req/s`, '>= 2000', best(auto) >= 2000);
    table.section(`4. CPU per 1,000 requests (user+sys of the process; one engine start = ${f(startupCpuS, 2)} s)`);
    const hundred = at(100)!;
    table.row('short requests at 100 req/s', cpuPer1000(hundred.run, hundred.run.summary.requests.sent), '<= 2 s', (1000 * hundred.run.cpuS) / hundred.run.summary.requests.sent <= 2);
    table.section('5. Peak RSS (MB)');
    for (const x of one) table.row(`${x.rate} req/s, 1 worker`, f(x.run.peakRssMb, 0), '< 300', x.run.peakRssMb < 300);
    for (const x of auto) table.row(`${x.rate} req/s, --workers auto`, f(x.run.peakRssMb, 0), '< 300', x.run.peakRssMb < 300);
  }, SIM_CPU);
}

async function mooncakeSection(): Promise<void> {
  const n = quick ? 100 : 200;
  await withSim(MOONCAKE_SIM, async (sim) => {
    const run = await runEngine(dir, 'mooncake', ['--trace', 'traces/mooncake-sample.jsonl', '--base-url', sim.url, '--speedup', '10', '--max-requests', String(n)]);
    table.section(`Mooncake sample, ${n} requests at 10x (no capture)`);
    table.row('CPU per 1,000 requests', cpuPer1000(run, run.summary.requests.sent), '<= 5 s', (1000 * run.cpuS) / run.summary.requests.sent <= 5);
    table.row('peak RSS MB', f(run.peakRssMb, 0), '< 300', run.peakRssMb < 300);
    const lag = run.summary.latencyMs.dispatchLag;
    table.row('dispatch lag ms', `p50 ${f(lag?.p50)} / p99 ${f(lag?.p99)} / max ${f(lag?.max)}`);
  });
}

async function bigSection(): Promise<void> {
  const sizes = quick ? [20_000] : [20_000, 200_000];
  await withSim(MOONCAKE_SIM, async (sim) => {
    table.section('Generated Mooncake-format traces (scripts/bench/big-trace.ts): every row read and held until sorted, the first 160 replayed at 10x (--max-requests 160)');
    for (const rows of sizes) {
      const trace = mooncakeTraceOfRows(dir, rows);
      const run = await runEngine(dir, `big-${rows}`, ['--trace', trace, '--base-url', sim.url, '--speedup', '10', '--max-requests', '160']);
      table.row(`${rows} rows: peak RSS MB`, `${f(run.peakRssMb, 0)} (sent ${run.summary.requests.sent}, ${f(run.wallS, 1)} s wall)`, '< 300', run.peakRssMb < 300);
    }
  });
}

/** The 1-minute load average before each section: the machine is shared, and it shows in the tails. */
const loads: string[] = [];
const sections: Array<[string, () => Promise<void>]> = [['wire', () => wireSection(1)], ['wire', () => wireSection(2)], ['rates', ratesSection], ['mooncake', mooncakeSection], ['big', bigSection]];
for (const [name, run] of sections) {
  if (!want(name)) continue;
  loads.push(`${name} ${loadavg()[0].toFixed(2)}`);
  await run();
}
console.log(`\n=== llm-replay engine benchmark (${new Date().toISOString()}, ${cpus().length} cores, load average before each section: ${loads.join(' / ')}; files in ${dir}) ===`);
console.log(table.render());
