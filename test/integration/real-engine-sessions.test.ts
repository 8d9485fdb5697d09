// Closed-loop sessions against the real inference engine (llama-cpp-python + SmolLM2-135M on
// CPU, make deps-real-engine): a small kv-cache-tester session with a sub-agent
// (traces/sessions/real-engine-session.json, 64-token blocks, growing context), prompts
// calibrated from the server's own tokenizer. Every turn waits for the previous response, so the
// one-request-at-a-time server never queues more than the sub-agent beside its parent.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, runCli, tempDir } from './support/processes';
import { flagArgs } from './support/flags';
import { startRealEngine, type RealEngine } from './support/real-engine';

const TRACE = 'traces/sessions/real-engine-session.json';
// "in" and "out" of every request of the trace, by request id suffix a<agent>-t<turn>.
const RECORDED: Record<string, { in: number; out: number }> = {
  'a0-t0': { in: 256, out: 12 }, 'a0-t1': { in: 384, out: 12 }, 'a0-t2': { in: 448, out: 16 },
  'a1-t0': { in: 192, out: 8 }, 'a1-t1': { in: 256, out: 8 },
};

let engine: RealEngine;
let dir: string;

function sessions(runId: string, extra: Record<string, string | number | boolean>) {
  return runCli(['sessions', ...flagArgs({
    traces: TRACE, 'base-url': engine.url, 'run-id': runId, 'request-id-header': 'X-Llm-Replay-Id', 'time-scale': 0.2, 'no-scrape': true, 'timeout-ms': 120_000, calibrate: true,
    out: `jsonl=${join(dir, `${runId}.jsonl`)}`, 'summary-json': join(dir, `${runId}.json`), ...extra,
  })], { K6LR_CACHE_DIR: join(dir, 'cache') }, 240_000);
}

const turnOf = (id: string) => /-(a\d+-t\d+)$/.exec(id)![1];

beforeAll(async () => {
  dir = tempDir('real-sessions');
  engine = await startRealEngine();
});

afterAll(async () => {
  await engine?.stop();
});

describe('closed-loop sessions against the real engine', () => {
  it('streams every turn of the session and its sub-agent to the end, with TTFT/ITL/E2E and chunk-counted output', async () => {
    const run = await sessions('stream', {});
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'stream.json'), 'utf8'));
    expect(summary.serving.requests).toMatchObject({ sent: 5, succeeded: 5, failed: 0 });
    expect(summary.serving.tokens.source).toBe('chunks');
    expect(summary.sessions).toMatchObject({ started: 1, ok: 1, failed: 0 });
    expect(summary.calibration).toMatchObject({ dialect: 'llama-cpp-python', overheadTokens: 30, fromCache: false });
    const records = readRecords(join(dir, 'stream.jsonl'));
    expect(records.map((r) => turnOf(r.id)).sort()).toEqual(Object.keys(RECORDED).sort());
    for (const r of records) {
      const want = RECORDED[turnOf(r.id)];
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true, status: 200, tokenSource: 'chunks', inputTokensRecorded: want.in });
      // Counted by chunks: an emoji's byte tokens share one chunk, so at most the recorded length.
      expect(r.outputTokens).toBeLessThanOrEqual(want.out);
      expect(r.outputTokens).toBeGreaterThanOrEqual(Math.ceil(want.out / 2));
      expect(r.ttftMs).toBeGreaterThan(0);
      expect(r.e2eMs).toBeGreaterThan(r.ttftMs!);
      expect(r.itlMeanMs).toBeGreaterThan(0);
    }
    // Closed loop: each turn of the main agent went after the previous one ended.
    const main = records.filter((r) => /-a0-t\d+$/.test(r.id)).sort((a, b) => a.sendUnixMs - b.sendUnixMs);
    for (let i = 1; i < main.length; i++) expect(main[i].sendUnixMs).toBeGreaterThanOrEqual(main[i - 1].sendUnixMs + main[i - 1].e2eMs);
  });

  it('--no-stream: every turn\'s growing prompt is counted by the server at exactly the recorded length', async () => {
    const run = await sessions('nostream', { stream: false });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stderr).toMatch(/calibrated \(cached\)/);
    const summary = JSON.parse(readFileSync(join(dir, 'nostream.json'), 'utf8'));
    expect(summary.promptLengthError).toEqual({ count: 5, exact: 5, min: 0, max: 0, mean: 0 });
    for (const r of readRecords(join(dir, 'nostream.jsonl'))) {
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true, promptTokensServer: RECORDED[turnOf(r.id)].in, promptLengthError: 0 });
    }
  });
});
