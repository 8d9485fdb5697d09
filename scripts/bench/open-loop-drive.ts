// The engine's send path as the transports bench drives it (scripts/bench/transports.ts and
// ceiling-run.ts): a planned list of requests through runOpenLoop and one transport, bodies
// prepared ahead, each finished exchange handed to the caller. No side effects on import.

import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runOpenLoop, type OpenLoopItem } from '../../src/engine/openloop';
import { BlockTextCache, buildPrompt, warmPromptPool } from '../../src/prompt/hashblock';
import { syntheticVocabulary } from '../../src/prompt/vocabulary';
import { createTransport } from '../../src/engine/transport-choice';
import { statCpuTicks } from './procs';
import { DEFAULT_TIMEOUTS, HAND_OVER_AHEAD_MS, type EngineExchange, type RequestTransport, type TransportKind } from '../../src/engine/transport';

export interface Planned {
  id: string;
  atMs: number;
  words: number;
  maxTokens: number;
  /** The trace's prefix-block ids (Mooncake hash_ids, 512 tokens each). */
  blocks?: readonly number[];
}

export interface Sent {
  plan: Planned;
  dueMs: number;
  x: EngineExchange;
}

const vocab = syntheticVocabulary();
const blockCache = new BlockTextCache(256);
const MOONCAKE_BLOCK = 512;
warmPromptPool(vocab);

/** A request's body as the replay builds it (src/scenarios/replay.ts): its prompt from its hash blocks. */
export function body(p: Planned): string {
  const content = buildPrompt(vocab, { blocks: p.blocks ?? [], blockSize: MOONCAKE_BLOCK, tokens: p.words, uniqueKey: p.id }, blockCache);
  return JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content }], max_tokens: p.maxTokens, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
}

/** CPU seconds of the whole process while a drive ran, split by mode, and its I/O thread's share. */
export interface CpuUse {
  s: number;
  userS: number;
  kernelS: number;
  /** The native core's I/O thread (0 on the JS transport). */
  ioThreadS: number;
}

/** CPU seconds so far of this process's native I/O threads (from /proc; 0 where there is none). */
function ioThreadCpuS(): number {
  let ticks = 0;
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      if (stat.includes('(k6lr-io)')) ticks += statCpuTicks(stat);
    }
  } catch {
    return 0;
  }
  return ticks / 100;
}

/**
 * Replays `plan` through a fresh transport of `kind` (open loop, bodies prepared ahead), giving
 * each finished request to `done`; returns the CPU the whole process used while it ran.
 */
export async function drive(kind: TransportKind, url: string, plan: Planned[], done: (s: Sent) => void): Promise<CpuUse> {
  const t: RequestTransport = createTransport(kind, { reuseConnections: true, timeouts: DEFAULT_TIMEOUTS });
  const originMs = performance.now() + 300;
  const cpu0 = process.cpuUsage();
  await runOpenLoop(plan.map((p, index) => ({ index, atMs: p.atMs }))[Symbol.iterator](), {
    originMs, lookAheadMs: 200, maxPrepared: 512, handOverAheadMs: t.schedulesSends ? HAND_OVER_AHEAD_MS : 0,
    prepare: (it: OpenLoopItem) => Buffer.from(body(plan[it.index])),
    send: async (it, b, dueMs) => {
      const p = plan[it.index];
      const x = await t.send({ url, body: b, headers: { 'content-type': 'application/json', 'x-request-id': p.id } }, dueMs);
      done({ plan: p, dueMs, x });
    },
    warm: (n) => t.reserve(url, n),
  });
  const cpu = process.cpuUsage(cpu0);
  const ioThreadS = ioThreadCpuS();
  await t.close();
  return { s: (cpu.user + cpu.system) / 1e6, userS: cpu.user / 1e6, kernelS: cpu.system / 1e6, ioThreadS };
}
