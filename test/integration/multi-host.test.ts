// A run over several hosts, on this machine: network namespaces made by the test (one engine
// instance per namespace on its segment, the simulator in another, moto's S3 server in a
// third), a trace read from S3, results written to S3 and merged from there, a common start
// from a start file in S3. Checks: every request reached the simulator exactly once; the merged
// result equals a single-instance run of the same slice in counts and (within a stated ratio)
// in TTFT; arrival offsets across instances stay within the single-instance figures; a killed
// instance is a missing segment in the merge.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groundTruthFor, indexOf, readJsonl, tempDir } from './support/processes';
import { createLan, run, type Lan, type Proc } from './support/netns';
import { readTrace } from '../../src/trace/read';
import { selectRequests } from '../../src/trace/open-loop';
import { percentile } from '../../src/metrics/formulas';
import type { GroundTruthRecord } from '../../src/sim/ground-truth';
import type { ReplayResult } from '../../src/metrics/summary';
import type { RequestRecord } from '../../src/outputs/jsonl';
import type { MergeInfo } from '../../src/metrics/merge-info';
import type { StartRecord } from '../../src/cli/common-start';

const TRACE = 'traces/azure-2023-conv-sample.csv';
const SPEEDUP = 10;
const N = 120;
const INSTANCES = 4;
const MOTO = '.venv-s3/bin/moto_server';
const NODE = process.execPath;
const CLI = 'bin/llm-replay-dev.mjs';

type Summary = ReplayResult & { engine: { start: StartRecord | null; segmentSequence: string | null } };
type Merged = ReplayResult & { merge: MergeInfo & { files: string[] } };

const expected = selectRequests(readTrace(readFileSync(TRACE, 'utf8'), TRACE), { speedup: SPEEDUP, maxRequests: N });
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
/**
 * Arrival error p50 and p95 of the four instances may be this many times the single
 * instance's (four processes share two cores here; p99 of 120 requests is one stall, printed
 * only); FLOOR_MS keeps a sub-millisecond single-instance figure from making the bound meaningless.
 */
const ARRIVAL_RATIO = 3;
const FLOOR_MS = 1;

describe('segmented run over network namespaces, trace and results in S3', () => {
  let lan: Lan;
  let s3: Proc;
  let sim: Proc;
  let env: Record<string, string>;
  let simUrl: string;
  const dir = tempDir('multi');
  const gt = join(dir, 'ground-truth.jsonl');

  const cli = (host: string, args: string[], extraEnv: Record<string, string> = {}) => run(lan, host, NODE, [CLI, ...args], { ...env, ...extraEnv });
  const admin = async (args: string[]) => {
    const r = await run(lan, 'i0', NODE, ['--import', 'tsx', 'test/integration/support/s3-admin.ts', ...args], env).done;
    expect(r.code, r.out + r.err).toBe(0);
    return r.out;
  };
  const readS3Jsonl = async (url: string) => (await admin(['get', url])).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as RequestRecord);
  const replayArgs = (runId: string, max: number, extra: string[]) => [
    'replay', '--trace', 's3://runs/traces/azure-conv.csv', '--base-url', simUrl, '--model', 'sim-model', '--speedup', String(SPEEDUP),
    // A salt per run: each run meets a cold prefix cache, as the first did.
    '--max-requests', String(max), '--run-id', runId, '--salt', runId, '--no-scrape', '--quiet', ...extra,
  ];
  /** A result JSON read back from S3 (`report table --json`, from a test host). */
  const readS3Json = async <T>(url: string): Promise<T> => {
    const r = await cli('i0', ['report', 'table', url, '--json']).done;
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as T;
  };
  /** |arrival - (common start + recorded offset)| per request, from the simulator's ground truth. */
  const arrivalErrors = (recs: GroundTruthRecord[], startUnixMs: number) => {
    const at = new Map(expected.map((r) => [r.index, r.atMs]));
    return sorted(recs.map((r) => Math.abs(r.arrivalMs - (startUnixMs + at.get(indexOf(r.id))!))));
  };

  beforeAll(async () => {
    if (!existsSync(MOTO)) throw new Error(`${MOTO} is missing: make deps-multi installs moto's S3 server`);
    lan = createLan(['s3', 'sim', ...Array.from({ length: INSTANCES }, (_, i) => `i${i}`)]);
    const { s3: s3Host, sim: simHost } = lan.hosts;
    env = {
      AWS_ACCESS_KEY_ID: 'test-access-key', AWS_SECRET_ACCESS_KEY: 'test-secret-key-not-printed', AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: `http://${s3Host.ip}:5000`, LLM_REPLAY_DEBUG: '',
    };
    s3 = run(lan, 's3', MOTO, ['-H', s3Host.ip, '-p', '5000'], {}, 170_000);
    sim = run(lan, 'sim', NODE, ['--import', 'tsx', 'src/sim/main.ts', '--host', simHost.ip, '--port', '8000', '--ground-truth', gt,
      '--preset', 'fast', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet'], {}, 170_000);
    simUrl = `http://${simHost.ip}:8000`;
    await Promise.all([s3.waitFor(/Running on http/), sim.waitFor(/listening on/)]);
    await admin(['mb', 'runs']);
    await admin(['put', 's3://runs/traces/azure-conv.csv', TRACE]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([sim?.stop(), s3?.stop()]);
    lan?.destroy();
  });

  it('four instances from one start file send every request once; the merge from S3 equals one instance', async () => {
    // Four instances, each its segment (--segment-count, the index from JOB_COMPLETION_INDEX as
    // in an Indexed Job), polling the start file in S3 that is written after they were launched.
    const instances = Array.from({ length: INSTANCES }, (_, i) => cli(`i${i}`, replayArgs('multi', N, [
      '--segment-count', String(INSTANCES), '--start-file', 's3://runs/multi/start',
      '--summary-json', `s3://runs/multi/results/seg-${i}.json`, '--out', `jsonl=s3://runs/multi/results/seg-${i}.jsonl`,
    ]), { JOB_COMPLETION_INDEX: String(i) }));
    // The starter's handshake: once every instance is ready (trace read, server checked), a start 3 s ahead.
    await Promise.all(instances.map((p) => p.waitFor(/ready, waiting for the common start/, 60_000)));
    const start = await cli('s3', ['start', '--in-s', '3', '--write', 's3://runs/multi/start']).done;
    expect(start.code, start.err).toBe(0);
    const startUnixMs = Number(start.out.trim());
    const ends = await Promise.all(instances.map((p) => p.done));
    for (const e of ends) {
      expect(e.code, e.out + e.err).toBe(0);
      expect(e.out + e.err).not.toContain('test-secret-key-not-printed');
    }

    // The simulator saw every request of the slice exactly once.
    const multiGt = await groundTruthFor<GroundTruthRecord>(gt, 'multi-', N);
    expect(sorted(multiGt.map((r) => indexOf(r.id)))).toEqual(expected.map((r) => r.index));

    const merge = await cli('i0', ['report', 'merge', 's3://runs/multi/results/', '--out', 's3://runs/multi/merged.json']).done;
    expect(merge.code, merge.out + merge.err).toBe(0);
    expect(merge.out).toMatch(/Instances merged:\s+4 \(segments 0:1\/4, 1\/4:1\/2, 1\/2:3\/4, 3\/4:1\)/);
    const merged = await readS3Json<Merged>('s3://runs/multi/merged.json');
    expect(merged.merge).toMatchObject({ instances: 4, complete: true, missing: [] });
    expect(merged.requests).toMatchObject({ planned: N, sent: N, succeeded: N, failed: 0, notSent: 0 });

    // Each instance read the common start and recorded its offset from it.
    const summaries = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => readS3Json<Summary>(`s3://runs/multi/results/seg-${i}.json`)));
    for (const s of summaries) {
      expect(s.engine.start).toMatchObject({ plannedUnixMs: startUnixMs, source: 's3://runs/multi/start' });
      expect(s.engine.start!.readAtUnixMs).toBeLessThan(startUnixMs);
    }
    const spread = merged.merge.start.spreadMs!;
    console.log(`start instants of ${INSTANCES} instances: spread ${spread.toFixed(3)} ms, offsets ${summaries.map((s) => s.engine.start!.offsetMs!.toFixed(3)).join(' ')} ms`);

    // The merged percentiles are those of all the instances' records (from S3) within histogram precision.
    const records: RequestRecord[] = [];
    for (let i = 0; i < INSTANCES; i++) records.push(...(await readS3Jsonl(`s3://runs/multi/results/seg-${i}.jsonl`)));
    expect(records).toHaveLength(N);
    // Each merged percentile lies between the two records around its rank, within the histogram's 1% buckets.
    const ttfts = sorted(records.map((r) => r.ttftMs!));
    for (const [p, key] of [[50, 'p50'], [90, 'p90'], [99, 'p99']] as const) {
      const rank = (p / 100) * (ttfts.length - 1);
      expect(merged.latencyMs.ttft![key], `TTFT ${key}`).toBeGreaterThanOrEqual(ttfts[Math.floor(rank)] * 0.99);
      expect(merged.latencyMs.ttft![key], `TTFT ${key}`).toBeLessThanOrEqual(ttfts[Math.ceil(rank)] * 1.01);
    }

    // One instance alone on the same slice, from a --start-at.
    const singleStart = Date.now() + 6000;
    const single = await cli('i0', replayArgs('single', N, ['--start-at', String(singleStart), '--summary-json', 's3://runs/single/summary.json'])).done;
    expect(single.code, single.out + single.err).toBe(0);
    const one = await readS3Json<Summary>('s3://runs/single/summary.json');
    console.log(`single instance: start offset ${one.engine.start!.offsetMs!.toFixed(3)} ms`);
    expect(merged.requests).toEqual({ ...one.requests });
    expect(merged.tokens.input).toBe(one.tokens.input);
    expect(merged.tokens.output).toBe(one.tokens.output);
    // TTFT is a few ms here, so it moves with the machine's load from run to run: the medians
    // agree within a factor of 2; the tails (one stall of a shared core) are printed, not compared.
    const ttft = (r: ReplayResult, key: 'p50' | 'p99') => r.latencyMs.ttft![key];
    console.log(`TTFT p50 / p99: merged ${ttft(merged, 'p50').toFixed(1)} / ${ttft(merged, 'p99').toFixed(1)} ms, single ${ttft(one, 'p50').toFixed(1)} / ${ttft(one, 'p99').toFixed(1)} ms`);
    expect(ttft(merged, 'p50') / ttft(one, 'p50')).toBeGreaterThan(0.5);
    expect(ttft(merged, 'p50') / ttft(one, 'p50')).toBeLessThan(2);

    // Arrival offsets: four instances on one common start keep to the schedule as one instance does.
    const singleGt = await groundTruthFor<GroundTruthRecord>(gt, 'single-', N);
    const multiErr = arrivalErrors(multiGt, startUnixMs);
    const singleErr = arrivalErrors(singleGt, singleStart);
    const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(3)} / p99 ${percentile(xs, 99).toFixed(3)} / max ${xs[xs.length - 1].toFixed(3)} ms`;
    console.log(`arrival - (start + offset): 4 instances ${fmt(multiErr)}; 1 instance ${fmt(singleErr)}`);
    for (const p of [50, 95]) expect(percentile(multiErr, p), `arrival error p${p}`).toBeLessThan(ARRIVAL_RATIO * Math.max(percentile(singleErr, p), FLOOR_MS));
  }, 150_000);

  it('a killed instance is a missing segment in the merge, not a smaller run', async () => {
    const max = 60;
    const instances = [0, 1].map((i) => cli(`i${i}`, replayArgs('kill', max, [
      '--segment-count', '2', '--segment-index', String(i), '--start-file', 's3://runs/kill/start', '--summary-json', `s3://runs/kill/seg-${i}.json`,
    ])));
    await Promise.all(instances.map((p) => p.waitFor(/ready, waiting for the common start/, 60_000)));
    const start = await cli('s3', ['start', '--in-s', '3', '--write', 's3://runs/kill/start']).done;
    // Instance 1 dies once it has sent some requests (SIGKILL: no summary, as a lost pod).
    await new Promise((r) => setTimeout(r, Number(start.out) - Date.now() + 1000));
    await instances[1].stop('SIGKILL');
    const kept = await instances[0].done;
    expect(kept.code, kept.out + kept.err).toBe(0);

    const merge = await cli('i0', ['report', 'merge', 's3://runs/kill/', '--out', 's3://runs/kill/merged.json']).done;
    expect(merge.code, 'merge exits 1 when a segment is missing').toBe(1);
    expect(merge.out).toMatch(/INCOMPLETE: missing segment\(s\) 1\/2:1/);
    expect(merge.err).toMatch(/segment\(s\) 1\/2:1 missing/);
    const merged = await readS3Json<Merged>('s3://runs/kill/merged.json');
    expect(merged.merge).toMatchObject({ instances: 1, segments: ['0:1/2'], missing: ['1/2:1'], complete: false });
    expect(merged.requests.notSent, 'an incomplete merge does not claim requests were never sent').toBeNull();
    expect(merged.run.executionSegment).toBe('0:1/2');
    const allowed = await cli('i0', ['report', 'merge', 's3://runs/kill/seg-0.json', '--allow-incomplete']).done;
    expect(allowed.code).toBe(0);
  }, 60_000);
});
