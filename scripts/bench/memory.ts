// Memory of the engine process under saturation and over a long run (issue 23).
//   1. in flight: a trace of N requests with large prompts, sent at a steady rate to a simulator
//      that admits one sequence and runs 1,000x slower than the model, so every request sent
//      stays in flight (waiting at the server). The engine's RSS is sampled against the number
//      the simulator reports waiting or running (its /metrics), so what is measured is in flight
//      at the server; the simulator's own RSS is printed beside it to show it is not counted.
//   2. steady: a constant rate the simulator keeps up with, for --duration-min minutes, with
//      --out jsonl, the scrape of /metrics and the progress line on: RSS every 5 s, flat after
//      the first minute?
// Only the engine process is measured (/proc/PID/status of the node process running the CLI;
// worker threads are in it). Prints a figures table against the goals; asserts nothing.
//
//   npx tsx scripts/bench/memory.ts [--quick] [--only inflight|steady] [--in-flight N]
//       [--prompt-tokens N] [--send-rate R] [--duration-min M] [--steady-rate R]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSim, REPO_ROOT, type SimProcess } from '../../src/sim/spawn';
import { constantRateTrace } from './traces';
import { FiguresTable } from './table';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean' },
    'in-flight': { type: 'string' }, 'prompt-tokens': { type: 'string' }, 'send-rate': { type: 'string' },
    'duration-min': { type: 'string' }, 'steady-rate': { type: 'string' },
  },
});
if (values.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 14).join('\n') + '\n');
  process.exit(0);
}
const quick = values.quick === true;
const want = (name: string) => !values.only || values.only === name;
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const IN_FLIGHT = num(values['in-flight'], quick ? 2000 : 10_000);
const PROMPT_TOKENS = num(values['prompt-tokens'], 13_000);
const SEND_RATE = num(values['send-rate'], 150);
const DURATION_MIN = num(values['duration-min'], quick ? 2 : 30);
const STEADY_RATE = num(values['steady-rate'], 50);
const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
const table = new FiguresTable();
const mb = (kb: number) => (kb / 1024).toFixed(1);

/** VmRSS and VmHWM (peak) of a process, in KB; undefined once it has exited. */
function rssOf(pid: number): { rssKb: number; peakKb: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rssKb: field('VmRSS'), peakKb: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Requests the simulator holds (waiting + running), from its vLLM /metrics. */
async function simInFlight(sim: SimProcess): Promise<number> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^vllm:num_requests_(?:waiting|running)\{[^}]*\} (\S+)$/gm)) n += Number(m[1]);
  return n;
}

/**
 * Request bytes the simulator has not read yet (MB): the receive queues of its sockets (ss).
 * They are written by the engine, so they sit in the kernel or, when its buffers are full, in
 * the engine's pending writes: a simulator slow to read (a loaded machine) shows as engine RSS.
 */
function unreadBySimMb(port: number): number {
  const r = spawnSync('ss', ['-tnH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let bytes = 0;
  for (const line of (r.stdout ?? '').split('\n')) bytes += Number(line.trim().split(/\s+/)[0]) || 0;
  return bytes / (1024 * 1024);
}

/** The engine CLI as one node process (the CLI registers tsx in-process), so its pid is the one to sample. */
function startEngine(args: string[], name: string): { proc: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const argv = [join(REPO_ROOT, 'dist/app/llm-replay.js'), 'replay', ...args, '--summary-json', join(dir, `${name}.summary.json`), '--run-id', name];
  const proc = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  proc.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  return { proc, exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))), output: () => out };
}

/** How long all N requests are held in flight before the engine is stopped. */
const HOLD_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median0(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

async function inFlightSection(): Promise<void> {
  const n = IN_FLIGHT;
  // Output long enough that nothing finishes while the others arrive.
  const trace = constantRateTrace(dir, SEND_RATE, n, PROMPT_TOKENS, 4096);
  // No prefix cache: the simulator hashes no blocks, so it keeps up with accepting requests.
  const sim = await spawnSim(['--preset', 'small', '--time-scale', '1000', '--max-num-seqs', '1', '--max-model-len', '1000000', '--no-prefix-cache', '--quiet']);
  const engine = startEngine(['--trace', trace, '--base-url', sim.url, '--start-delay-ms', '3000', '--no-scrape', '--quiet', '--idle-timeout-ms', '600000'], 'inflight');
  const pid = engine.proc.pid!;
  const samples: Array<{ t: number; inFlight: number; rssKb: number; unreadMb: number }> = [];
  let unreadMb = 0;
  let lastUnread = 0;
  let idleKb = NaN;
  let simPeakKb = 0;
  const t0 = Date.now();
  const rampMs = (n / SEND_RATE) * 1000 + 5000;
  let fullSince = 0;
  let grewAt = 0;
  try {
    for (;;) {
      await sleep(250);
      const r = rssOf(pid);
      if (!r) throw new Error(`the engine exited early:\n${engine.output()}`);
      const inFlight = await simInFlight(sim);
      simPeakKb = Math.max(simPeakKb, rssOf(sim.proc.pid!)?.rssKb ?? 0);
      // Idle: the process with its trace loaded and the transport ready, before the first send.
      if (inFlight === 0) {
        if (Date.now() - t0 > 1500) idleKb = r.rssKb;
        continue;
      }
      if (!samples.length || inFlight > samples[samples.length - 1].inFlight) grewAt = Date.now();
      if (Date.now() - lastUnread > 2000) {
        unreadMb = unreadBySimMb(sim.port);
        lastUnread = Date.now();
      }
      samples.push({ t: Date.now() - t0, inFlight, rssKb: r.rssKb, unreadMb });
      if (inFlight >= n && !fullSince) fullSince = Date.now();
      // Hold HOLD_MS with all in flight (the allocations of the ramp are collected), then stop;
      // also when the count stopped growing for 20 s after the ramp (a slower machine).
      if (fullSince && Date.now() - fullSince > HOLD_MS) break;
      if (Date.now() - t0 > rampMs && Date.now() - grewAt > 20_000) break;
    }
  } finally {
    engine.proc.kill('SIGKILL');
    await engine.exited;
    await sim.stop(2000);
  }
  const peakKb = Math.max(...samples.map((s) => s.rssKb));
  const held = Math.max(...samples.map((s) => s.inFlight));
  const endKb = samples[samples.length - 1].rssKb;
  table.section(`in flight: ${n} requests of ${PROMPT_TOKENS} prompt tokens at ${SEND_RATE} req/s to a saturated simulator (engine process only)`);
  table.row('idle RSS (trace loaded, before the first send)', `${mb(idleKb)} MB`);
  for (const mark of [1000, 1500, 2500, 5000, 10_000].filter((m) => m <= held)) {
    const upTo = samples.filter((s) => s.inFlight <= mark);
    const at = Math.max(...upTo.map((s) => s.rssKb));
    table.row(`RSS with up to ${mark} in flight`, `${mb(at)} MB (+${((at - idleKb) / mark).toFixed(1)} KB per request)`);
  }
  table.row('requests in flight at the server (peak)', String(held), `>= ${Math.min(1000, n)}`, held >= Math.min(1000, n));
  const perReq = (peakKb - idleKb) / held;
  if (held >= 10_000) table.row('peak engine RSS', `${mb(peakKb)} MB`, '< 400 MB at 10,000', peakKb / 1024 < 400);
  else {
    // The simulator (or a loaded machine) held fewer: say so, and project from what was measured.
    table.row('peak engine RSS', `${mb(peakKb)} MB`);
    const projectedKb = idleKb + perReq * 10_000;
    table.row('projected at 10,000 in flight (idle + 10,000 x per request)', `${mb(projectedKb)} MB`, '< 400 MB', projectedKb / 1024 < 400);
  }
  table.row('(peak - idle) / in flight', `${perReq.toFixed(1)} KB`, '<= 32 KB', perReq <= 32);
  table.row('RSS at the end (all held for the hold, or the count stopped growing)', `${mb(endKb)} MB (+${((endKb - idleKb) / held).toFixed(1)} KB per request)`);
  const ramp = samples.filter((s) => s.inFlight < held);
  if (ramp.length > 4) table.row('slope of RSS over in flight (ramp)', `${slope(ramp.map((s) => s.inFlight), ramp.map((s) => s.rssKb)).toFixed(1)} KB per request`);
  table.row('simulator RSS (its own process, not counted)', `${mb(simPeakKb)} MB`);
  const atPeak = samples.find((s) => s.rssKb === peakKb)!;
  table.row('request bytes unread by the simulator: at the peak / at the end', `${atPeak.unreadMb.toFixed(1)} / ${samples[samples.length - 1].unreadMb.toFixed(1)} MB`);
}

async function steadySection(): Promise<void> {
  const minutes = DURATION_MIN;
  const count = Math.ceil(STEADY_RATE * minutes * 60);
  const trace = constantRateTrace(dir, STEADY_RATE, count, 2000, 64);
  // Far from saturation (TTFT of milliseconds), so the number in flight stays small and steady.
  const sim = await spawnSim(['--preset', 'fast', '--time-scale', '0.01', '--max-num-seqs', '1024', '--max-num-batched-tokens', '131072', '--kv-blocks', '200000', '--quiet']);
  const records = join(dir, 'steady.records.jsonl');
  const engine = startEngine(['--trace', trace, '--base-url', sim.url, '--out', `jsonl=${records}`, '--scrape-interval-s', '5', '--slo', 'ttft:p99<=2000'], 'steady');
  const pid = engine.proc.pid!;
  const points: Array<{ min: number; rssKb: number; inFlight: number }> = [];
  const t0 = Date.now();
  let simPeakKb = 0;
  let next = 5000;
  try {
    for (;;) {
      await sleep(250);
      const r = rssOf(pid);
      if (!r) break;
      simPeakKb = Math.max(simPeakKb, rssOf(sim.proc.pid!)?.rssKb ?? 0);
      if (Date.now() - t0 >= next) {
        points.push({ min: (Date.now() - t0) / 60_000, rssKb: r.rssKb, inFlight: await simInFlight(sim).catch(() => NaN) });
        next += 5000;
        if (points.length % 12 === 0) console.error(`steady: ${points[points.length - 1].min.toFixed(1)} min, engine RSS ${mb(r.rssKb)} MB`);
      }
    }
    const code = await engine.exited;
    if (code !== 0) throw new Error(`the steady run exited with ${code}:\n${engine.output()}`);
  } finally {
    engine.proc.kill('SIGKILL');
    await sim.stop(2000);
  }
  const after = points.filter((p) => p.min >= 1);
  const rss = after.map((p) => p.rssKb);
  const median = median0(rss);
  const dev = Math.max(...rss.map((v) => Math.abs(v / median - 1)));
  table.section(`steady: ${STEADY_RATE} req/s of 2000-token prompts for ${minutes} min (${count} requests; --out jsonl, scrape, SLO, progress on)`);
  table.row('engine RSS at 1 min', `${mb(points.find((p) => p.min >= 1)?.rssKb ?? NaN)} MB`);
  table.row('engine RSS after 1 min: min / median / max', `${mb(Math.min(...rss))} / ${mb(median)} / ${mb(Math.max(...rss))} MB`);
  table.row('largest deviation from the median after 1 min', `${(dev * 100).toFixed(1)} %`, '<= 10 %', dev <= 0.1);
  const perMinute: string[] = [];
  for (let m = 0; m < Math.ceil(minutes); m++) {
    const inMinute = points.filter((p) => p.min >= m && p.min < m + 1).map((p) => p.rssKb);
    if (inMinute.length) perMinute.push((Math.max(...inMinute) / 1024).toFixed(0));
  }
  table.row('highest RSS of each minute (MB)', perMinute.join(' '));
  table.row('requests in flight at the simulator after 1 min: median / max', `${median0(after.map((p) => p.inFlight))} / ${Math.max(...after.map((p) => p.inFlight))}`);
  table.row('trend after 1 min', `${(slope(after.map((p) => p.min), rss) / 1024).toFixed(2)} MB per minute`);
  table.row('simulator RSS (its own process, not counted)', `${mb(simPeakKb)} MB`);
}

try {
  if (want('inflight')) await inFlightSection();
  if (want('steady')) await steadySection();
  console.log(table.render());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
