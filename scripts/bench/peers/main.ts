// make bench-peers: our engine and the peers (AIPerf, GuideLLM, inference-perf where it runs)
// side by side, one after the other in one invocation, against the same simulator setup (a
// fresh `llm-replay sim` per run, same flags, ground truth on, tcpdump on its loopback port).
//   1. replay: the first N Mooncake requests of traces/mooncake-sample.jsonl, written time-scaled
//      (--speedup) so every tool replays one file at 1x;
//   2. rate ladder: short requests (128-token prompts, 16 output tokens) at constant rates,
//      replayed the same way, up to the first rate a tool does not hold.
// Every figure is taken --repeats times (default 2) and the median printed. The machine is
// shared and noisy: compare tools within one run (ratios), not with another day's figures.
// Raw outputs of every run and the table as JSON go to results/peers/<timestamp>/.
//
//   npx tsx scripts/bench/peers/main.ts [--requests 200] [--speedup 5] [--repeats 2]
//       [--rates 100,200,400,800,1000] [--rate-seconds 4] [--tools llm-replay,AIPerf,GuideLLM,inference-perf,vllm-bench] [--quick]
// With vllm bench serve, every replay also cross-checks the metric definitions: our formulas
// over the per-request records it saved must give the percentiles it reported (vllm-crosscheck.ts).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSim, REPO_ROOT } from '../../../src/sim/spawn';
import { readGroundTruthFile } from '../../../src/sim/ground-truth-file';
import type { GroundTruthRecord } from '../../../src/sim/ground-truth';
import { readPcap } from '../pcap';
import { wireExchanges } from '../wire';
import { ensureTcpdump, startCapture } from '../procs';
import { runTool, type ToolRun } from './run-tool';
import { AIPERF, ENGINE, GUIDELLM, INFERENCE_PERF, VLLM, VLLM_RESULT, type Tool } from './tools';
import { parseVllmResult } from './peer-outputs';
import { crossCheckVllm, renderCrossCheck } from './vllm-crosscheck';
import { absDist, arrivalErrors, groundTruthTtfts, highestHeld, matchWire, median, rateLevel, type RateLevel, type Scheduled } from './figures';
import { renderPeersTable, type PeerRow, type ReplayFigures } from './peers-table';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' }, speedup: { type: 'string', default: '5' }, repeats: { type: 'string', default: '2' },
    rates: { type: 'string', default: '100,200,400,800,1000' }, 'rate-seconds': { type: 'string', default: '4' },
    tools: { type: 'string' }, quick: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 15).join('\n') + '\n');
  process.exit(0);
}
const quick = values.quick === true;
const N = quick ? 60 : Number(values.requests);
const SPEEDUP = Number(values.speedup);
const REPEATS = quick ? 1 : Math.max(1, Number(values.repeats));
const RATES = (quick ? '100,400' : values.rates!).split(',').map(Number);
const RATE_S = Number(values['rate-seconds']);
const ALL = [ENGINE, AIPERF, GUIDELLM, INFERENCE_PERF, VLLM];
const wanted = values.tools ? values.tools.split(',') : ALL.map((t) => t.name);
for (const w of wanted) if (!ALL.some((t) => t.name === w)) throw new Error(`--tools: unknown tool "${w}" (one of ${ALL.map((t) => t.name).join(', ')})`);
const TOOLS = ALL.filter((t) => wanted.includes(t.name));

/** Limits that bound the whole run: one replay, one rate level. inference-perf builds its
 * prompts slowly (200 Mooncake requests took over 240 s here), so a replay gets 8 minutes. */
const REPLAY_LIMIT_MS = 480_000;
const LEVEL_LIMIT_MS = 120_000;
/** The replay's simulator: as make bench's wire section (small preset at 20x its speed). */
const MOONCAKE_SIM = ['--preset', 'small', '--time-scale', '0.05', '--max-model-len', '131072', '--quiet'];
/** The ladder's simulator: quick and wide, so the tool is the limit (as make bench's rates). */
const FAST_SIM = ['--preset', 'fast', '--time-scale', '0.01', '--max-num-seqs', '1024', '--max-num-batched-tokens', '131072', '--kv-blocks', '200000', '--quiet'];

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const dir = join(REPO_ROOT, 'results/peers', stamp);
mkdirSync(dir, { recursive: true });
const log = (s: string) => console.log(`[bench-peers ${new Date().toISOString().slice(11, 19)}] ${s}`);

/** The slice, time-scaled, and its schedule (offset from the first request, max_tokens). */
function writeSlice(): { path: string; schedule: Scheduled[] } {
  const rows = readFileSync(join(REPO_ROOT, 'traces/mooncake-sample.jsonl'), 'utf8').trim().split('\n').slice(0, N).map((l) => JSON.parse(l) as { timestamp: number; output_length: number });
  const t0 = rows[0].timestamp;
  const scaled = rows.map((r) => ({ ...r, timestamp: Math.round((r.timestamp - t0) / SPEEDUP) }));
  const path = join(dir, `mooncake-${N}-x${SPEEDUP}.jsonl`);
  writeFileSync(path, scaled.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { path, schedule: scaled.map((r) => ({ offsetMs: r.timestamp, maxTokens: r.output_length })) };
}

/** Short requests at a constant rate, in Mooncake format (distinct block ids: no cache reuse). */
function writeRateTrace(rate: number): { path: string; count: number } {
  const count = Math.round(rate * RATE_S);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify({ timestamp: Math.round((i * 1000) / rate), input_length: 128, output_length: 16, hash_ids: [i] }));
  const path = join(dir, `rate-${rate}.jsonl`);
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, count };
}

interface RunResult {
  run: ToolRun;
  truth: GroundTruthRecord[];
  outDir: string;
  pcap?: string;
  port: number;
}

/** One tool run against a fresh simulator, with or without a capture of its port. */
async function runAgainstSim(tool: Tool, tag: string, simArgs: string[], trace: string, requests: number, capture: boolean, limitMs: number): Promise<RunResult> {
  const outDir = join(dir, tag);
  mkdirSync(outDir, { recursive: true });
  const gt = join(outDir, 'ground-truth.jsonl');
  const sim = await spawnSim([...simArgs, '--ground-truth', gt], 30_000);
  let run!: ToolRun;
  let pcap: string | undefined;
  try {
    const cap = capture ? await startCapture(outDir, sim.port) : undefined;
    try {
      run = await runTool(tool.replay({ trace, baseUrl: sim.url, outDir, requests }), join(outDir, 'tool.log'), join(outDir, 'tool.time'), limitMs);
    } finally {
      if (cap) pcap = await cap.stop();
    }
  } finally {
    await sim.stop();
  }
  return { run, truth: readGroundTruthFile(gt), outDir, pcap, port: sim.port };
}

async function replayRun(tool: Tool, slice: { path: string; schedule: Scheduled[] }, repeat: number): Promise<ReplayFigures> {
  const tag = `${tool.name}-replay-${repeat}`;
  log(`${tool.name}: replay of ${N} Mooncake requests at ${SPEEDUP}x (run ${repeat})`);
  const r = await runAgainstSim(tool, tag, MOONCAKE_SIM, slice.path, N, true, REPLAY_LIMIT_MS);
  const fig: ReplayFigures = { planned: N, arrived: r.truth.length, exit: r.run.timedOut ? 'timed out' : `exit ${r.run.code}`, wallS: r.run.wallS, cpuS: r.run.cpuS, peakMb: r.run.peakMb, processes: r.run.processes };
  const arr = absDist(arrivalErrors(slice.schedule, r.truth));
  fig.arrival = { p50: arr.p50, p99: arr.p99 };
  const gtT = absDist(groundTruthTtfts(r.truth));
  fig.truthTtft = { p50: gtT.p50, p99: gtT.p99 };
  if (r.run.timedOut) fig.recordsNote = `timed out after ${REPLAY_LIMIT_MS / 1000} s, before writing its results`;
  else try {
    const out = tool.read(r.outDir);
    fig.sent = out.sent;
    fig.reportedTtft = out.reportedTtft;
    fig.recordsNote = out.recordsNote;
    if (out.records.length && r.pcap) {
      const wire = wireExchanges(readPcap(readFileSync(r.pcap)), r.port);
      const m = matchWire(out.records, wire, new Map(r.truth.map((g) => [g.id, g])));
      const d = absDist(m.ttftErrors);
      fig.wireTtft = { p50: d.p50, p99: d.p99, matched: m.matched, of: out.records.filter((x) => x.ok).length };
    }
    if (tool === VLLM) crossChecks.push(`${tag}: ${renderCrossCheck(crossCheckVllm(parseVllmResult(readFileSync(join(r.outDir, VLLM_RESULT), 'utf8'))))}`);
  } catch (e) {
    fig.readError = (e as Error).message.split('\n')[0];
  }
  log(`${tool.name}: ${fig.exit}, ${fig.arrived}/${N} reached the simulator, ${fig.wallS.toFixed(1)} s wall, ${fig.cpuS.toFixed(1)} s CPU${fig.readError ? `; output not read: ${fig.readError}` : ''}`);
  return fig;
}

async function ladder(tool: Tool, repeat: number): Promise<RateLevel[]> {
  const levels: RateLevel[] = [];
  for (const rate of RATES) {
    const t = writeRateTrace(rate);
    const r = await runAgainstSim(tool, `${tool.name}-rate-${rate}-${repeat}`, FAST_SIM, t.path, t.count, false, LEVEL_LIMIT_MS);
    const l = rateLevel(rate, t.count, r.truth);
    levels.push(l);
    log(`${tool.name}: ${rate} req/s (run ${repeat}): ${l.arrived}/${l.planned} arrived, ${l.answered} answered, ${l.achieved.toFixed(1)} req/s seen by the simulator${r.run.timedOut ? ', timed out' : ''}: ${l.held ? 'held' : 'NOT held'}`);
    if (!l.held) break; // higher rates would not hold either: keep the run bounded
  }
  return levels;
}

ensureTcpdump();
const started = Date.now();
const loads: string[] = [`start ${loadavg()[0].toFixed(2)}`];
const slice = writeSlice();
const rows: PeerRow[] = [];
/** The live definitions cross-check of every vllm bench serve replay (printed under the table). */
const crossChecks: string[] = [];
for (const tool of TOOLS) {
  const why = tool.unavailable();
  if (why) {
    log(`${tool.name}: not run: ${why}`);
    rows.push({ tool: tool.name, version: tool.version, notRun: why, replays: [], ladders: [] });
  } else rows.push({ tool: tool.name, version: tool.version, replays: [], ladders: [] });
}
// Tools alternate within each repeat, so a noisy minute hits all of them rather than one.
for (let rep = 1; rep <= REPEATS; rep++) {
  for (const row of rows) {
    if (row.notRun) continue;
    const tool = TOOLS.find((t) => t.name === row.tool)!;
    row.replays.push(await replayRun(tool, slice, rep));
  }
  loads.push(`replay ${rep} ${loadavg()[0].toFixed(2)}`);
  for (const row of rows) {
    if (row.notRun) continue;
    const tool = TOOLS.find((t) => t.name === row.tool)!;
    const levels = await ladder(tool, rep);
    row.ladders.push({ levels, highest: highestHeld(levels) });
  }
  loads.push(`ladder ${rep} ${loadavg()[0].toFixed(2)}`);
}
const minutes = (Date.now() - started) / 60000;
const header = `=== bench-peers (${new Date().toISOString()}, ${cpus().length} cores, load average ${loads.join(' / ')}; ${minutes.toFixed(1)} min; raw results in ${dir}) ===\n` +
  `Replay: first ${N} requests of traces/mooncake-sample.jsonl at ${SPEEDUP}x, sim ${MOONCAKE_SIM.slice(0, 6).join(' ')}. Ladder: 128-token prompts, 16 output tokens, ${RATE_S} s per rate (${RATES.join('/')} req/s), sim ${FAST_SIM.slice(0, 4).join(' ')} ...\n` +
  `Each figure is the median of ${REPEATS} run(s). The machine is shared and noisy: compare the tools within this run (ratios), not with other runs.`;
const table = renderPeersTable(rows, median);
const checks = crossChecks.length ? '\n\n' + crossChecks.join('\n') : '';
console.log('\n' + header + '\n\n' + table + checks);
writeFileSync(join(dir, 'table.txt'), header + '\n\n' + table + checks + '\n');
writeFileSync(join(dir, 'table.json'), JSON.stringify({ startedAt: new Date(started).toISOString(), minutes, requests: N, speedup: SPEEDUP, repeats: REPEATS, rates: RATES, rateSeconds: RATE_S, loads, rows }, null, 1));
