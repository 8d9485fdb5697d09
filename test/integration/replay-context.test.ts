// Requests every server accepts (issue 19): near the context limit the replay lowers max_tokens
// so prompt + max_tokens fits the max_model_len the server lists (counted as capped in the
// summary, the table and the records), never sends min_tokens above it, and sends UUID request
// ids where each server reads them (vLLM: X-Request-Id; SGLang: the body's rid), so the
// server-side record (the simulator's ground truth) joins ours. Against the simulator speaking
// each server's bytes and limits (--flavor). Sessions fit each turn the same way.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file';
import type { ReplayResult } from '../../src/metrics/summary';
import { readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { readFileSync } from 'node:fs';

const dir = tempDir('ctx');
const trace = join(dir, 'trace.jsonl');
// Three rows whose output does not fit a context of 80 beside their 50-token prompt, three that do.
const ROWS = [0, 1, 2, 3, 4, 5].map((i) => ({ timestamp: i * 20, input_length: i % 2 ? 20 : 50, output_length: i % 2 ? 10 : 40, hash_ids: [1000 + i] }));
writeFileSync(trace, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-8[0-9a-f]{3}-\d{12}$/;

const sims: RunningSim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

async function replayAgainst(flavor: string, extra: string[] = []) {
  const sim = await startSim(['--flavor', flavor, '--max-model-len', '80', '--preset', 'fast', '--time-scale', '0.05', '--quiet']);
  sims.push(sim);
  const out = join(dir, `${flavor}-${sims.length}`);
  const r = await runCli(['replay', '--trace', trace, '--base-url', sim.url, '--endpoint', 'completions', '--speedup', '4', '--run-id', `ctx-${flavor}`,
    '--out', `jsonl=${out}.jsonl`, '--summary-json', `${out}.json`, '--no-scrape', '--quiet', ...extra], {}, 120_000);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  await sim.stop();
  return { r, records: readRecords(`${out}.jsonl`), summary: JSON.parse(readFileSync(`${out}.json`, 'utf8')) as ReplayResult & { maxTokensCapped: { maxModelLen: number; capped: number } }, truth: readGroundTruthFile(sim.groundTruth) };
}

describe('replay near the context limit', () => {
  it.each(['vllm', 'sglang', 'llamacpp'])('%s: lowers max_tokens to fit max_model_len from /v1/models, counts the capped requests, every request succeeds', async (flavor) => {
    const { r, records, summary } = await replayAgainst(flavor);
    expect(records).toHaveLength(6);
    for (const rec of records) expect(rec, JSON.stringify(rec)).toMatchObject({ ok: true, status: 200 });
    expect(summary.maxTokensCapped).toEqual({ maxModelLen: 80, capped: 3 });
    const capped = records.filter((x) => x.maxTokensCappedFrom !== undefined);
    expect(capped.map((x) => x.index).sort()).toEqual([0, 2, 4]);
    for (const x of capped) expect([x.maxTokensCappedFrom, x.outputTokens]).toEqual([40, 30]);
    expect(r.stdout).toMatch(/Requests with max_tokens capped to 80 ctx:\s+3/);
  });

  it('vllm: without the cap the same rows fail (min_tokens above the max_tokens vLLM lowers to)', async () => {
    const { records, summary } = await replayAgainst('vllm', ['--max-model-len', '100000']);
    expect(summary.maxTokensCapped.capped).toBe(0);
    const failed = records.filter((x) => !x.ok);
    expect(failed.map((x) => [x.index, x.status]).sort()).toEqual([[0, 400], [2, 400], [4, 400]]);
  });
});

describe('request ids where each server reads them', () => {
  it.each(['vllm', 'sglang'])('%s: UUIDs on the wire join the server-side record; records keep RUNID-N', async (flavor) => {
    // SGLang reads the body's rid only: with the header renamed, only the rid can join.
    const { records, truth } = await replayAgainst(flavor, flavor === 'sglang' ? ['--request-id-header', 'X-Not-Read'] : []);
    for (const x of records) {
      expect(x.id).toMatch(UUID);
      expect(x.runRequestId).toBe(`ctx-${flavor}-${x.index}`);
      expect(Number(x.id.slice(-12))).toBe(x.index);
    }
    expect(new Set(truth.map((g) => g.id))).toEqual(new Set(records.map((x) => x.id)));
  });

  it('--request-id-format run sends RUNID-N', async () => {
    const { records, truth } = await replayAgainst('vllm', ['--request-id-format', 'run']);
    expect(records.map((x) => x.id).sort()).toEqual(records.map((x) => `ctx-vllm-${x.index}`).sort());
    expect(records.every((x) => x.runRequestId === undefined)).toBe(true);
    expect(new Set(truth.map((g) => g.id))).toEqual(new Set(records.map((x) => x.id)));
  });
});

describe('sessions near the context limit', () => {
  // The hand-built session's turns: 640+40, 320+20, 448+20, 832+30 and 1024+50 tokens. With
  // an 850-token context and --max-context 850 the last is left out; 832+30 does not fit.
  const HAND = 'traces/sessions/hand-built-subagent.json';

  async function sessionsAgainst(extra: string[]) {
    const sim = await startSim(['--flavor', 'vllm', '--max-model-len', '850', '--preset', 'fast', '--time-scale', '0.02', '--quiet']);
    sims.push(sim);
    const out = join(dir, `sessions-${sims.length}`);
    const r = await runCli(['sessions', '--traces', HAND, '--base-url', sim.url, '--run-id', `ctx-sessions-${sims.length}`, '--max-context', '850', '--time-scale', '0.02',
      '--summary-json', `${out}.json`, '--no-scrape', '--quiet', ...extra], {}, 120_000);
    await sim.stop();
    return { r, summary: JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { maxTokensCapped: { maxModelLen: number; capped: number } }, truth: readGroundTruthFile(sim.groundTruth) };
  }

  it('vllm: the turn whose answer does not fit gets max_tokens lowered (from /v1/models) and succeeds; counted as capped', async () => {
    const { r, summary, truth } = await sessionsAgainst([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(summary.maxTokensCapped).toEqual({ maxModelLen: 850, capped: 1 });
    expect(r.stdout).toMatch(/Requests with max_tokens capped to 850 ctx:\s+1/);
    expect(truth.map((g) => g.status)).toEqual(truth.map(() => 200));
    // 832 prompt tokens leave 18 for the answer.
    expect(truth.find((g) => g.promptTokens === 832)?.completionTokens).toBe(18);
  });

  it('vllm: with a context the server does not have, the same turn fails (min_tokens above what vLLM lowers max_tokens to)', async () => {
    const { summary, truth } = await sessionsAgainst(['--max-model-len', '100000']);
    expect(summary.maxTokensCapped.capped).toBe(0);
    // Refused before it was counted: one 400, and no 832-token turn among the answered ones.
    expect(truth.filter((g) => g.status !== 200).map((g) => g.status)).toEqual([400]);
    expect(truth.filter((g) => g.status === 200).map((g) => g.promptTokens)).not.toContain(832);
  });
});
