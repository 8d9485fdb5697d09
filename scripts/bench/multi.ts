// make bench-multi: four engine instances (plain processes, one segment each, one common
// --start-at) against one instance, on this machine's cores, at rising aggregate rates of short
// requests: the highest aggregate rate held with dispatch lag p99 < 5 ms (nothing dropped or
// failed), and the spread of the instances' start instants. Prints figures; asserts nothing.
//
//   npx tsx scripts/bench/multi.ts [--quick]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSim } from '../../src/sim/spawn';
import { mergeResults } from '../../src/metrics/merge';
import type { ReplayResult } from '../../src/metrics/summary';
import type { StartRecord } from '../../src/cli/common-start';
import { runEngine, type EngineRun } from './procs';
import { constantRateTrace } from './traces';
import { FiguresTable } from './table';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, help: { type: 'boolean' } } });
if (values.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 6).join('\n') + '\n');
  process.exit(0);
}
const quick = values.quick === true;
const seconds = quick ? 5 : 10;
const levels = quick ? [1000, 2000] : [500, 1000, 2000, 3000];
const INSTANCES = 4;
/** The common start, this long after every instance said it is ready. */
const START_AHEAD_MS = 2000;
const SIM_CPU = '1';
const SIM = ['--preset', 'fast', '--time-scale', '0.01', '--max-num-seqs', '1024', '--max-num-batched-tokens', '131072', '--kv-blocks', '200000', '--quiet'];
const dir = mkdtempSync(join(tmpdir(), 'bench-multi-'));
const f = (v: number | undefined | null, d = 3) => (v === undefined || v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));

type Summary = ReplayResult & { engine: { start: StartRecord | null } };

interface Level {
  rate: number;
  lagP99: number | undefined;
  ok: boolean;
  spreadMs?: number;
  detail: string;
}

const summaryOf = (run: EngineRun) => run.summary as unknown as Summary;

function judge(rate: number, results: Summary[], runs: EngineRun[]): Level {
  // One result for the run, as `report merge` makes it (each instance had its own --run-id here).
  const merged = results.length > 1 ? mergeResults(results.map((r) => ({ ...r, run: { ...r.run, runId: 'bench' } }))) : results[0];
  const r = merged.requests;
  const lag = merged.latencyMs.dispatchLag;
  const ok = runs.every((x) => x.code === 0) && (lag?.p99 ?? Infinity) < 5 && r.failed === 0 && r.sent === r.planned;
  const started = results.map((s) => s.engine.start?.startedUnixMs).filter((t): t is number => t !== undefined);
  const spreadMs = started.length > 1 ? Math.max(...started) - Math.min(...started) : undefined;
  const cpu = runs.reduce((a, x) => a + x.cpuS, 0);
  return {
    rate, lagP99: lag?.p99, ok, spreadMs,
    detail: `lag p50 ${f(lag?.p50)} / p99 ${f(lag?.p99)} ms; sent ${r.sent}/${r.planned}, failed ${r.failed}; ${f(cpu, 1)} s CPU${spreadMs === undefined ? '' : `; start spread ${f(spreadMs)} ms`}`,
  };
}

/** The start-file handshake, as the Kubernetes starter does it: once every instance is ready, a start a little ahead. */
async function level(simUrl: string, rate: number, instances: number): Promise<Level> {
  const trace = constantRateTrace(dir, rate, rate * seconds, 128, 16);
  const startFile = join(dir, `start-${rate}-${instances}`);
  const common = ['--trace', trace, '--base-url', simUrl, '--timeout-ms', '30000', '--start-file', startFile];
  let ready = 0;
  let allReady: () => void = () => {};
  const whenReady = new Promise<void>((r) => (allReady = r));
  const onOutput = (text: string) => {
    if (text.includes('ready, waiting for the common start') && ++ready === instances) allReady();
  };
  const pending = Promise.all(Array.from({ length: instances }, (_, i) => runEngine(dir, `r${rate}-n${instances}-i${i}`,
    instances > 1 ? [...common, '--segment-count', String(instances), '--segment-index', String(i)] : common, undefined, onOutput)));
  await Promise.race([whenReady, pending]);
  writeFileSync(`${startFile}.tmp`, `${Math.round(Date.now() + START_AHEAD_MS)}\n`);
  renameSync(`${startFile}.tmp`, startFile);
  const runs = await pending;
  return judge(rate, runs.map(summaryOf), runs);
}

const table = new FiguresTable();
// Other work on the machine moves every figure: print the load beside them.
const loadBefore = loadavg()[0];
const sim = await spawnSim(SIM, 30_000);
// The simulator on the second core, as in the engine bench; the engines (one or four) may use both.
spawnSync('taskset', ['-p', '-c', SIM_CPU, String(sim.proc.pid)], { stdio: 'ignore' });
try {
  const one: Level[] = [];
  const four: Level[] = [];
  for (const rate of levels) {
    one.push(await level(sim.url, rate, 1));
    four.push(await level(sim.url, rate, INSTANCES));
  }
  table.section(`Multi-instance: short requests (128-token prompts, 16 output tokens), ${seconds} s per rate, engines on any of ${availableParallelism()} cores, sim ${SIM.join(' ')} on core ${SIM_CPU}`);
  for (const x of one) table.row(`1 instance, ${x.rate} req/s`, x.detail, undefined, x.ok);
  for (const x of four) table.row(`${INSTANCES} instances, ${x.rate} req/s aggregate`, x.detail, undefined, x.ok);
  const best = (xs: Level[]) => xs.reduce((b, x) => (x.ok ? Math.max(b, x.rate) : b), 0);
  table.row('highest held, 1 instance', `${best(one)} req/s`);
  table.row(`highest held, ${INSTANCES} instances`, `${best(four)} req/s aggregate`);
  const spreads = four.map((x) => x.spreadMs).filter((s): s is number => s !== undefined).sort((a, b) => a - b);
  table.row(`start spread of ${INSTANCES} instances`, `median ${f(spreads[Math.floor(spreads.length / 2)])} ms, max ${f(spreads[spreads.length - 1])} ms over ${spreads.length} runs`);
  table.row('load average (1 min) before / after', `${f(loadBefore, 1)} / ${f(loadavg()[0], 1)} on ${availableParallelism()} cores`);
  process.stdout.write(table.render() + '\n');
} finally {
  await sim.stop();
}
