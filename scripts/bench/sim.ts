// Benchmark of the simulator itself: how many requests/s and streamed tokens/s it sustains on
// this machine while its scheduling error (token write time minus modelled time) stays small.
// Prints figures; not a test. Bounded: every level runs for --seconds, the whole run is capped.
//
//   npx tsx scripts/bench/sim.ts [--seconds 4] [--levels 16,64,256,512,1024] [--step-ms 10]
//                                [--max-tokens 64] [--spin-ms 1] [--short-levels 16,64,256]
//                                [--client http|fetch] [--profile DIR] (V8 CPU profile of the simulator)
//
// Streaming levels: N closed-loop clients each stream requests of --max-tokens tokens from a
// model whose step takes --step-ms regardless of batch size (batch cost zeroed), so the ideal
// token rate is N * 1000 / step-ms; the gap between ideal and achieved, and the write lateness
// from the ground truth, show where the simulator (not the model) becomes the bottleneck.
// Short levels: N clients sending 2-token requests, to find the request rate ceiling.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nowMs } from '../../src/sim/clock.js';
import { type GroundTruthRecord, decodeTokenTimes } from '../../src/sim/ground-truth.js';
import { type SimProcess, spawnSim } from '../../src/sim/spawn.js';
import { percentile } from '../../src/metrics/formulas.js';
import { statCpuTicks } from './procs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    levels: { type: 'string', default: '16,64,256,512,1024' },
    'short-levels': { type: 'string', default: '16,64,256' },
    'step-ms': { type: 'string', default: '10' },
    'max-tokens': { type: 'string', default: '64' },
    'spin-ms': { type: 'string', default: '1' },
    profile: { type: 'string' },
    client: { type: 'string', default: 'http' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 14).join('\n') + '\n');
  process.exit(0);
}
const SECONDS = Number(values.seconds);
const STEP_MS = Number(values['step-ms']);
const MAX_TOKENS = Number(values['max-tokens']);
const levels = values.levels!.split(',').map(Number).filter(Boolean);
const shortLevels = values['short-levels']!.split(',').map(Number).filter(Boolean);
const oneRequest = values.client === 'fetch' ? oneRequestFetch : oneRequestHttp;
const HARD_LIMIT_MS = (levels.length + shortLevels.length) * (SECONDS + 15) * 1000 + 60_000;

interface LevelResult {
  name: string;
  clients: number;
  requests: number;
  tokens: number;
  reqPerS: number;
  tokPerS: number;
  idealTokPerS: number;
  lateP50: number;
  lateP99: number;
  lateMax: number;
  simCpu: number;
  /** Share of wall time the simulator's event loop was runnable but had no CPU (machine contention). */
  simWaited: number;
  errors: number;
  /** 1-minute load average at the end of the level (the machine is shared). */
  load: number;
}

/** Seconds the simulator's main thread (its event loop) spent runnable but waiting for a CPU. */
function runqueueWaitSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return NaN;
  }
}

function cpuSeconds(pid: number): number {
  return statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / 100;
}

/** Counts SSE events ("data: ") across chunk borders. */
class EventCounter {
  private tail = '';
  events = 0;
  push(text: string): void {
    const s = this.tail + text;
    let i = -1;
    // The 5-char tail cannot hold a whole "data: ", so every match here is new.
    while ((i = s.indexOf('data: ', i + 1)) >= 0) this.events++;
    this.tail = s.slice(-5);
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** node:http client: the cheapest Node client, so the simulator (not the client) saturates first. */
function oneRequestHttp(url: string, id: string, maxTokens: number, prompt: string): Promise<{ tokens: number; ok: boolean }> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ prompt, max_tokens: maxTokens, stream: true });
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': id } }, (res) => {
      const c = new EventCounter();
      res.setEncoding('utf8');
      res.on('data', (d: string) => c.push(d));
      res.on('end', () => resolve({ tokens: Math.max(0, c.events - 1), ok: res.statusCode === 200 }));
      res.on('error', () => resolve({ tokens: 0, ok: false }));
    });
    req.on('error', () => resolve({ tokens: 0, ok: false }));
    req.end(body);
  });
}

async function oneRequestFetch(url: string, id: string, maxTokens: number, prompt: string): Promise<{ tokens: number; ok: boolean }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ prompt, max_tokens: maxTokens, stream: true }),
    });
    const dec = new TextDecoder();
    const c = new EventCounter();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) c.push(dec.decode(chunk, { stream: true }));
    // Every token is one event; plus [DONE].
    return { tokens: Math.max(0, c.events - 1), ok: res.status === 200 };
  } catch {
    return { tokens: 0, ok: false };
  }
}

async function runLevel(sim: SimProcess, name: string, clients: number, maxTokens: number): Promise<{ res: LevelResult; start: number; end: number }> {
  const url = `${sim.url}/v1/completions`;
  const warmEnd = nowMs() + 500;
  const deadline = warmEnd + SECONDS * 1000;
  let requests = 0;
  let tokens = 0;
  let errors = 0;
  let cpu0 = 0;
  let wait0 = 0;
  let cpuTaken = false;
  const workers = Array.from({ length: clients }, async (_, w) => {
    const prompt = Array.from({ length: 32 }, (_, i) => `b${w}_${i}`).join(' ');
    for (let n = 0; n < 1_000_000 && nowMs() < deadline; n++) {
      const started = nowMs();
      if (!cpuTaken && started >= warmEnd) {
        cpuTaken = true;
        cpu0 = cpuSeconds(sim.proc.pid!);
        wait0 = runqueueWaitSeconds(sim.proc.pid!);
      }
      const r = await oneRequest(url, `${name}-${w}-${n}`, maxTokens, prompt);
      const t = nowMs();
      if (started >= warmEnd && t <= deadline) {
        requests++;
        tokens += r.tokens;
        if (!r.ok) errors++;
      }
    }
  });
  await Promise.all(workers);
  const cpu = cpuSeconds(sim.proc.pid!) - cpu0;
  const waited = runqueueWaitSeconds(sim.proc.pid!) - wait0;
  const res: LevelResult = {
    name,
    clients,
    requests,
    tokens,
    reqPerS: requests / SECONDS,
    tokPerS: tokens / SECONDS,
    idealTokPerS: (clients * 1000) / STEP_MS,
    lateP50: NaN,
    lateP99: NaN,
    lateMax: NaN,
    simCpu: cpu / ((nowMs() - warmEnd) / 1000),
    simWaited: waited / ((nowMs() - warmEnd) / 1000),
    errors,
    load: loadavg()[0],
  };
  return { res, start: warmEnd, end: deadline };
}

/**
 * Figures from the ground truth, restricted to the level's window [start, end]: tokens written
 * and requests finished inside it (so requests straddling the window edges count for the part
 * inside), and the lateness of every token written inside it.
 */
function fill(results: { res: LevelResult; start: number; end: number }[], recs: GroundTruthRecord[]): void {
  for (const { res, start, end } of results) {
    const late: number[] = [];
    let tokens = 0;
    let finished = 0;
    for (const r of recs) {
      if (!r.id.startsWith(`${res.name}-`)) continue;
      if (r.finishReason === 'length' && r.finishMs >= start && r.finishMs <= end) finished++;
      const times = decodeTokenTimes(r);
      times.forEach((t, i) => {
        if (t < start || t > end) return;
        tokens++;
        late.push(r.lateUs[i] / 1000);
      });
    }
    const secs = (end - start) / 1000;
    res.tokPerS = tokens / secs;
    res.reqPerS = finished / secs;
    late.sort((a, b) => a - b);
    res.lateP50 = percentile(late, 50);
    res.lateP99 = percentile(late, 99);
    res.lateMax = late.length ? late[late.length - 1] : NaN;
  }
}

function table(title: string, rows: LevelResult[], streaming: boolean): string {
  const head = streaming
    ? ['clients', 'req/s', 'tok/s', 'ideal tok/s', 'achieved', 'late p50 ms', 'late p99 ms', 'late max ms', 'sim CPU', 'sim waited', 'errors', 'loadavg']
    : ['clients', 'req/s', 'tok/s', 'late p50 ms', 'late p99 ms', 'late max ms', 'sim CPU', 'sim waited', 'errors', 'loadavg'];
  const lines = [title, head.map((h) => h.padStart(12)).join('')];
  for (const r of rows) {
    const cells = streaming
      ? [r.clients, r.reqPerS.toFixed(1), r.tokPerS.toFixed(0), r.idealTokPerS.toFixed(0), `${((100 * r.tokPerS) / r.idealTokPerS).toFixed(0)}%`, r.lateP50.toFixed(3), r.lateP99.toFixed(3), r.lateMax.toFixed(1), `${(100 * r.simCpu).toFixed(0)}%`, `${(100 * r.simWaited).toFixed(0)}%`, r.errors, r.load.toFixed(1)]
      : [r.clients, r.reqPerS.toFixed(1), r.tokPerS.toFixed(0), r.lateP50.toFixed(3), r.lateP99.toFixed(3), r.lateMax.toFixed(1), `${(100 * r.simCpu).toFixed(0)}%`, `${(100 * r.simWaited).toFixed(0)}%`, r.errors, r.load.toFixed(1)];
    lines.push(cells.map((c) => String(c).padStart(12)).join(''));
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const hard = setTimeout(() => {
    process.stderr.write('bench: hard time limit reached\n');
    process.exit(1);
  }, HARD_LIMIT_MS);
  hard.unref();
  const dir = mkdtempSync(join(tmpdir(), 'sim-bench-'));
  const gt = join(dir, 'gt.jsonl');
  const sim = await spawnSim([
    '--preset', 'fast', '--quiet', '--ground-truth', gt,
    '--max-num-seqs', '4096', '--max-num-batched-tokens', '65536', '--kv-blocks', '200000',
    '--step-base-ms', String(STEP_MS), '--decode-seq-ms', '0', '--context-token-ms', '0', '--prefill-token-ms', '0',
    '--spin-ms', values['spin-ms']!,
  ], 30_000, values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : []);
  const streaming: { res: LevelResult; start: number; end: number }[] = [];
  const short: { res: LevelResult; start: number; end: number }[] = [];
  try {
    for (const c of levels) streaming.push(await runLevel(sim, `s${c}`, c, MAX_TOKENS));
    for (const c of shortLevels) short.push(await runLevel(sim, `r${c}`, c, 2));
  } finally {
    await sim.stop();
  }
  const recs = readFileSync(gt, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as GroundTruthRecord);
  fill(streaming, recs);
  fill(short, recs);
  rmSync(dir, { recursive: true, force: true });
  const cpus = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0;
  process.stdout.write(
    [
      `Simulator benchmark: ${cpus} CPUs, Node ${process.version}, step ${STEP_MS} ms (batch cost zeroed), ${SECONDS} s per level, spin ${values['spin-ms']} ms.`,
      `Load client: closed-loop ${values.client === 'fetch' ? 'fetch' : 'node:http keep-alive'} streams in this process (it shares the 2 cores with the simulator).`,
      'Lateness = token chunk write time minus its modelled time, from the ground truth.',
      'sim CPU = simulator CPU time / wall time; sim waited = its event loop runnable but without a CPU (contention).',
      '',
      table(`Streaming, ${MAX_TOKENS} tokens per request:`, streaming.map((s) => s.res), true),
      '',
      table('Short requests, 2 tokens each (request-rate ceiling):', short.map((s) => s.res), false),
      '',
    ].join('\n'),
  );
}

void main();
