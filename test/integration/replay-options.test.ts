// What a user sees from `llm-replay replay` when asking for help or getting an option, a trace or
// the server wrong: the engine CLI itself, exit codes included (2 usage, 1 could not start).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import type { ReplayResult } from '../../src/metrics/summary';

const TRACE = 'traces/mooncake-sample.jsonl';
/** Nothing listens on the discard port: no run here gets as far as sending. */
const NOWHERE = 'http://127.0.0.1:9';
const replay = (args: string[], env: Record<string, string> = {}) => runCli(['replay', ...args], env, 60_000);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('llm-replay replay: options and bad input', () => {
  it('prints every flag with --help and exits 0', async () => {
    const r = await replay(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--trace FILE', '--speedup X', '--template FAMILY', '--max-concurrency N', '--workers N|auto', '--segment FROM:TO', "--threshold 'METRIC:EXPR'", '--out NAME=TARGET', '--no-preflight', '--scrape']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it.each([
    [['--bogus', '1'], /unknown flag --bogus \(see llm-replay replay --help\)/],
    [['--speedup', '0'], /--speedup 0: must be a positive number/],
    [['--speedup'], /--speedup needs a value: --speedup X/],
    [['--max-concurrency', '0'], /--max-concurrency 0: must be a number >= 1/],
    [['--workers', 'many'], /--workers many: must be auto or a whole number/],
    [['--endpoint', 'images'], /--endpoint images: must be one of chat, completions, messages, responses, embeddings, rerank/],
    [['--segment', '3:1'], /--segment 3:1: .*expected FROM:TO/],
    [['--segment-sequence', '0,1/2,1'], /--segment-sequence 0,1\/2,1 needs --segment/],
    [['--segment', '0:1/3', '--segment-sequence', '0,1/2,1'], /--segment 0:1\/3 is not one of the segments/],
    [['--threshold', 'ttft:p(99)<<1'], /--threshold 'ttft:p\(99\)<<1': .*expected METHOD OP VALUE/],
    [['--timeout-ms', '-5'], /--timeout-ms -5: must be/],
  ])('exits 2 naming the flag and what it takes: %j', async (args, message) => {
    const r = await replay(['--trace', TRACE, '--base-url', NOWHERE, ...args]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/Serving Benchmark Result/);
  });

  it('names the file, line and field of a bad trace row, and how to skip bad rows', async () => {
    const dir = tempDir('badtrace');
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"timestamp": 0, "input_length": 10, "output_length": 2}\n{"timestamp": 5, "input_length": "ten", "output_length": 2}\n');
    const r = await replay(['--trace', file, '--base-url', NOWHERE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${escape(file)}:2: field "input_length"`));
    expect(r.stderr).toMatch(/--skip-bad skips and counts bad rows/);
  });

  it('says which trace file is missing', async () => {
    const r = await replay(['--trace', 'traces/no-such-trace.jsonl', '--base-url', NOWHERE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read trace traces\/no-such-trace\.jsonl/);
  });

  it('stops at once when the server is unreachable (preflight), and says how to go on', async () => {
    const r = await replay(['--trace', TRACE, '--base-url', NOWHERE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9: .*is the server running\? check --base-url; --no-preflight skips this check/);
  });

  it('--no-preflight needs --model', async () => {
    const r = await replay(['--trace', TRACE, '--base-url', NOWHERE, '--no-preflight']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--no-preflight needs --model NAME/);
  });
});

describe('llm-replay replay: against a server', () => {
  let sim: RunningSim;
  const dir = tempDir('options');
  const KEY = 'sk-secret-do-not-print-4711';

  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('stops at once on a model the server does not serve, naming the ones it does', async () => {
    const r = await replay(['--trace', TRACE, '--base-url', sim.url, '--model', 'no-such-model', '--max-requests', '2'], { OPENAI_API_KEY: KEY });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/model "no-such-model" is not served at .* \(it lists: sim-model\): fix --model, or --no-preflight/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('--skip-bad replays the good rows and counts the bad ones', async () => {
    const file = join(dir, 'some-bad.jsonl');
    writeFileSync(file, [
      '{"timestamp": 0, "input_length": 10, "output_length": 2}',
      '{"timestamp": 5, "input_length": "ten", "output_length": 2}',
      '{"timestamp": 9, "input_length": 20, "output_length": 3}',
      '{"timestamp": 12, "output_length": 3}',
    ].join('\n') + '\n');
    const summaryPath = join(dir, 'skip.summary.json');
    const r = await replay(['--trace', file, '--base-url', sim.url, '--skip-bad', '--summary-json', summaryPath, '--no-scrape']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`skipped 2 bad trace row\\(s\\) \\(--skip-bad\\); first: ${escape(file)}:2: field "input_length"`));
    const s = JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult & { engine: { skippedTraceRows: number } };
    expect(s.requests).toMatchObject({ planned: 2, sent: 2, succeeded: 2 });
    expect(s.engine.skippedTraceRows).toBe(2);
  });

  it('without preflight, an unreachable server fails every request as "connect" and the run still ends with its summary', async () => {
    const summaryPath = join(dir, 'nowhere.summary.json');
    const N = 5;
    const r = await replay(['--trace', TRACE, '--base-url', NOWHERE, '--no-preflight', '--model', 'm', '--max-requests', String(N), '--speedup', '100',
      '--summary-json', summaryPath, '--no-scrape', '--connect-timeout-ms', '2000']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(summaryPath, 'utf8')) as ReplayResult;
    expect(s.requests).toMatchObject({ planned: N, sent: N, failed: N, succeeded: 0 });
    expect(s.errors).toEqual({ connect: N });
  });

  it('never shows the API key: not in stdout, stderr, the summary or the request records', async () => {
    const summaryPath = join(dir, 'key.summary.json');
    const jsonl = join(dir, 'key.jsonl');
    const r = await replay(['--trace', TRACE, '--base-url', sim.url, '--max-requests', '6', '--speedup', '100', '--summary-json', summaryPath, '--out', `jsonl=${jsonl}`],
      { OPENAI_API_KEY: KEY, API_KEY: KEY });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readRecords(jsonl)).toHaveLength(6);
    for (const [what, text] of [['stdout', r.stdout], ['stderr', r.stderr], ['summary', readFileSync(summaryPath, 'utf8')], ['jsonl', readFileSync(jsonl, 'utf8')]]) {
      expect(text, what).not.toContain(KEY);
      expect(text, what).not.toContain('sk-secret');
    }
  });
});
