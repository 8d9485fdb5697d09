// A connection reset (RST, simulator fault reset=N) and an orderly close (FIN, cut=N) mid-stream,
// on every request of a 200-request run, through both transports: each reset is stream_reset and
// each close stream_eof, every time, with the token chunks that came before kept. The JS
// transport used to hear some resets as closes (libuv reports EOF when the RST comes in the same
// wake-up as the last bytes; src/engine/http1.ts failCut tells them apart).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { loadNative } from '../../src/engine/native-addon';
import type { ReplayResult } from '../../src/metrics/summary';
import type { RequestRecord } from '../../src/outputs/jsonl';

const N = 200;
const SIM_ARGS = ['--preset', 'fast', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet', '--fault-rate', '1', '--seed', '7'];

/** N short requests, one every 5 ms (a second of arrivals, many streams at once). */
function shortTrace(dir: string): string {
  const path = join(dir, 'short.jsonl');
  const rows = Array.from({ length: N }, (_, i) => JSON.stringify({ timestamp: i * 5, input_length: 64, output_length: 8, hash_ids: [i] }));
  writeFileSync(path, rows.join('\n') + '\n');
  return path;
}

async function replay(sim: RunningSim, trace: string, dir: string, name: string, transport: string): Promise<{ summary: ReplayResult; records: RequestRecord[] }> {
  const summaryPath = join(dir, `${name}.summary.json`);
  const jsonl = join(dir, `${name}.jsonl`);
  const run = await runCli(['replay', '--trace', trace, '--base-url', sim.url, '--model', 'sim-model', '--run-id', name, '--request-id-format', 'run',
    '--summary-json', summaryPath, '--out', `jsonl=${jsonl}`, '--no-scrape', '--quiet', '--transport', transport]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return { summary: JSON.parse(readFileSync(summaryPath, 'utf8')), records: readRecords(jsonl) };
}

describe('reset and close mid-stream, every request, both transports', () => {
  const dir = tempDir('reset-close');
  const sims: Record<string, RunningSim> = {};
  let trace = '';

  beforeAll(async () => {
    expect(loadNative().reason, 'the native addon must be built (make build)').toBeUndefined();
    trace = shortTrace(dir);
    sims.reset = await startSim([...SIM_ARGS, '--fault-kinds', 'reset=3']);
    sims.cut = await startSim([...SIM_ARGS, '--fault-kinds', 'cut=3']);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(Object.values(sims).map((s) => s.stop()));
  });

  for (const [fault, reason] of [['reset', 'stream_reset'], ['cut', 'stream_eof']] as const) {
    for (const transport of ['js', 'native']) {
      it(`${transport}: ${fault}=3 on all ${N} requests is ${reason} on all ${N}, the chunks before it kept`, async () => {
        const r = await replay(sims[fault], trace, dir, `${fault}-${transport}`, transport);
        expect(r.summary.requests).toMatchObject({ planned: N, sent: N, completed: N, failed: N });
        expect(r.summary.errors).toEqual({ [reason]: N });
        expect(r.records).toHaveLength(N);
        const wrong = r.records.filter((x) => x.reason !== reason).map((x) => `${x.id}: ${x.reason}`);
        expect(wrong).toEqual([]);
        // The three token chunks sent before the fault were measured (TTFT) and counted.
        for (const x of r.records) {
          expect(x.ttftMs, x.id).toBeGreaterThan(0);
          expect(x.outputTokens, x.id).toBe(3);
        }
      }, 120_000);
    }
  }
});
