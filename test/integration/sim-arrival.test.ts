// The simulator's ground-truth stamps against a client's own stamps, for bursts of big prompts
// all sent at the same millisecond on open keep-alive connections. Arrival is stamped at the
// socket's first bytes and bodies are prepared in a worker thread (--prep-threads, default 1),
// so the server thread only reads, stamps, schedules and writes. Checked as ratios within this
// run: the arrival error against what a burst spends preparing, the first-token stamp against
// the client's first read, and the token writes' lateness against the same simulator preparing
// in its own thread (--prep-threads 0), where preparation delays every due write.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BurstSend, sendBursts } from '../../src/sim/burst-client.js';
import type { GroundTruthRecord } from '../../src/sim/ground-truth.js';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file.js';
import { type SimProcess, spawnSim } from '../../src/sim/spawn.js';

const BURSTS = 6;
const BURST_SIZE = 16;
const PROMPT_WORDS = 15_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Run {
  sends: BurstSend[];
  records: Map<string, GroundTruthRecord>;
}

let dir: string;
const sims: SimProcess[] = [];
let threaded: Run;
let inThread: Run;

async function start(gt: string, prepThreads: string[]): Promise<SimProcess> {
  const sim = await spawnSim(['--preset', 'fast', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '400000', '--ground-truth', gt, '--quiet', ...prepThreads]);
  sims.push(sim);
  return sim;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sim-arrival-'));
  const gts = [join(dir, 'threaded.jsonl'), join(dir, 'in-thread.jsonl')];
  // The default (one prep thread) and in-thread preparation, one burst each in turn, so both
  // meet the same load from the rest of the machine.
  const pair = [await start(gts[0], []), await start(gts[1], ['--prep-threads', '0'])];
  const sends: BurstSend[][] = [[], []];
  for (let b = 0; b < BURSTS; b++) {
    for (const [i, sim] of pair.entries()) {
      const plan = { host: '127.0.0.1', port: sim.port, bursts: 1, firstBurst: b, burstSize: BURST_SIZE, promptWords: PROMPT_WORDS, maxTokens: 4, gapMs: 0, timeoutMs: 30_000 };
      sends[i].push(...(await sendBursts(plan)));
    }
  }
  for (const sim of pair) expect(await sim.stop()).toBe(0);
  [threaded, inThread] = pair.map((_, i) => ({ sends: sends[i], records: new Map(readGroundTruthFile(gts[i]).map((r) => [r.id, r])) }));
});

afterAll(async () => {
  for (const sim of sims) await sim.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Median over bursts of the summed preparation time of a burst's requests, ms. */
function burstPrepMs({ sends, records }: Run): number {
  const sums: number[] = [];
  for (let b = 0; b < BURSTS; b++) {
    const burst = sends.filter((s) => s.id.startsWith(`burst${b}-`));
    sums.push(burst.reduce((sum, s) => sum + records.get(s.id)!.prepUs! / 1000, 0));
  }
  return median(sums);
}

function lateMs({ records }: Run): number[] {
  return [...records.values()].flatMap((r) => r.lateUs.map((us) => us / 1000));
}

describe('ground-truth stamps under bursts of big prompts', () => {
  it('answers every request, in both prep modes, and logs how long each took to prepare', () => {
    for (const { sends, records } of [threaded, inThread]) {
      expect(sends.length).toBe(BURSTS * BURST_SIZE);
      for (const s of sends) {
        expect(s.done, s.id).toBe(true);
        const r = records.get(s.id)!;
        expect(r.promptTokens).toBe(PROMPT_WORDS);
        expect(r.prepUs).toBeGreaterThan(0);
      }
    }
  });

  it('stamps arrival close to the client send, a small share of what a burst spends preparing', () => {
    const { sends, records } = threaded;
    const errors = sends.map((s) => records.get(s.id)!.arrivalMs - s.sendMs);
    const prep = burstPrepMs(threaded);
    // Measured (bench, 10 bursts, load average ~5 on 2 cores): median 3.5-5.4 ms against
    // ~25-30 ms of preparation per burst (0.12-0.2); inline preparation stamped at `request`
    // was 0.36-0.38. The tail is set by the machine (other processes, GC), so it is left to p90.
    const why = `arrival error median ${median(errors).toFixed(2)} / p90 ${errors.sort((a, b) => a - b)[Math.floor(errors.length * 0.9)].toFixed(2)} ms vs ${prep.toFixed(2)} ms of preparation per burst`;
    expect(median(errors) / prep, why).toBeLessThan(0.25);
    expect(errors[Math.floor(errors.length * 0.9)] / prep, why).toBeLessThan(1);
    // Never before the client sent it (same clock on one machine).
    for (const e of errors) expect(e).toBeGreaterThan((-0.5 * prep) / BURST_SIZE);
  });

  it('stamps the first token right before its write: the client reads it just after', () => {
    const { sends, records } = threaded;
    const gaps = sends.map((s) => s.firstTokenMs! - records.get(s.id)!.firstTokenMs!);
    const prep = burstPrepMs(threaded);
    // Measured: median 0.15-0.3 ms (the client's own read) against ~25-30 ms per burst.
    const why = `client first-token read - sim stamp: median ${median(gaps).toFixed(3)} ms vs ${prep.toFixed(2)} ms of preparation per burst`;
    expect(median(gaps) / prep, why).toBeLessThan(0.05);
    for (const g of gaps) expect(g, why).toBeGreaterThan((-0.5 * prep) / BURST_SIZE);
  });

  it('keeps token writes on time: preparation in a worker no longer delays due writes', () => {
    const threadedLate = median(lateMs(threaded));
    const inThreadLate = median(lateMs(inThread));
    // Measured (bench): median lateness 1.7-12 ms with a prep thread, 27-52 ms in-thread.
    const why = `median token lateness ${threadedLate.toFixed(2)} ms with a prep thread vs ${inThreadLate.toFixed(2)} ms in-thread`;
    expect(threadedLate / inThreadLate, why).toBeLessThan(0.6);
  });
});
