// Run by test/integration/memory-retention.test.ts as
//   node --expose-gc --import tsx retention-child.ts SIM_URL replay|sessions
// against a simulator that admits one sequence and runs very slowly, so every request sent stays
// in flight. Once all are sent it forces collections and prints one JSON line: how many sent
// bodies are still reachable (replay: WeakRefs on the transport's body buffers), and the heap
// kept per request in flight against the size of a body (both: a ratio within this one run).
// A control body kept on purpose proves the WeakRef check sees a retained body.

import { Transport, DEFAULT_TIMEOUTS, type EngineRequest, type EngineExchange } from '../../../src/engine/transport';
import { Registry } from '../../../src/engine/metrics';
import { isTimeMetric } from '../../../src/metrics/units';
import { runReplay } from '../../../src/scenarios/replay';
import { readReplayConfig } from '../../../src/config/replay';
import { readSessionsConfig } from '../../../src/config/sessions';
import { syntheticVocabulary } from '../../../src/prompt/vocabulary';
import { segmentIndices } from '../../../src/schedule/segments';
import { nowUnixMs } from '../../../src/engine/clock';
import { runSession, type RunnerContext } from '../../../src/sessions/runner';
import { engineIo } from '../../../src/scenarios/sessions';
import { BlockTextCache } from '../../../src/prompt/hashblock';
import type { SessionGroup } from '../../../src/sessions/plan';
import type { TimedRequest } from '../../../src/schedule/openloop';

const [url, mode] = process.argv.slice(2);
const N = 100;
const PROMPT_TOKENS = 16_000;
const BLOCK = 512;
const gc = (globalThis as { gc?: () => void }).gc!;

/** The transport, seeing each body as it is handed over (a WeakRef for buffers, the size for all). */
class WatchedTransport extends Transport {
  readonly refs: Array<WeakRef<object>> = [];
  bytes = 0;
  sent = 0;
  override send(req: EngineRequest): Promise<EngineExchange> {
    if (typeof req.body !== 'string') this.refs.push(new WeakRef(req.body));
    this.bytes += req.body.length;
    this.sent++;
    return super.send(req);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Several full collections, with turns of the event loop between them (WeakRefs clear at turn ends). */
async function collect(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(20);
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function waitUntil(cond: () => boolean, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the requests to be sent');
    await sleep(20);
  }
  await sleep(500); // the last writes reach the server
}

const blocksOf = (i: number) => Array.from({ length: Math.ceil(PROMPT_TOKENS / BLOCK) }, (_, j) => i * 1000 + j);

/** Two batches of N requests; `started` resolves when the second batch may begin. */
interface Load {
  finished: () => number;
  secondBatch: () => void;
  done: Promise<unknown>;
}

function replay(transport: WatchedTransport, abort: AbortController): Load {
  const cfg = readReplayConfig({ TRACE: 'in-memory', BASE_URL: url, RUN_ID: 'retention' });
  // The second batch 3 s after the first: the first is measured in between.
  const requests: TimedRequest[] = Array.from({ length: 2 * N }, (_, i) => ({
    index: i, atMs: i * 5 + (i >= N ? 3000 : 0), inputTokens: PROMPT_TOKENS, outputTokens: 4096, blocks: blocksOf(i),
  }));
  let finished = 0;
  const done = runReplay({
    cfg, model: 'sim-model', requests, blockSize: BLOCK, vocab: syntheticVocabulary(), share: segmentIndices(null, null), originUnixMs: nowUnixMs() + 300,
    transport, sink: new Registry({}, isTimeMetric), lookAheadMs: 500, abortInFlight: abort.signal, onRequest: () => finished++,
  });
  return { finished: () => finished, secondBatch: () => {}, done };
}

function sessions(transport: WatchedTransport, abort: AbortController): Load {
  const cfg = readSessionsConfig({ TRACES: 'in-memory', BASE_URL: url, RUN_ID: 'retention' });
  const never = new AbortController();
  let finished = 0;
  const ctx: RunnerContext = {
    io: engineIo(transport, never.signal, abort.signal), sink: new Registry({}, isTimeMetric), cfg, vocab: syntheticVocabulary(), model: 'sim-model',
    originUnixMs: nowUnixMs(), timing: { mode: 'no-wait', timeScale: 1, apiScale: 1 }, warmCache: new BlockTextCache(16), onTurn: () => finished++,
  };
  // One turn per session: a block agent builds its next turn's body while one is in flight
  // (prepared, not yet sent: that one it must keep).
  const group = (i: number): SessionGroup => ({
    id: `s${i}`, file: 0, format: 'test', blockSize: BLOCK, startMs: 0, requests: 1, truncated: 0,
    agents: [{
      id: `s${i}`, parent: -1, spawnAfterTurn: -1, spawnsAtStart: [], joinsAtEnd: [], accumulates: false,
      turns: [{ inputTokens: PROMPT_TOKENS, outputTokens: 4096, keep: 0, add: blocksOf(i), wait: { anchor: 'prev', idleMs: 0, anchorApiMs: 0 }, joins: [], spawns: [] }],
    }],
  });
  const batch = (from: number) => Array.from({ length: N }, (_, i) => runSession(ctx, group(from + i), from + i));
  const runs = batch(0);
  let second: Promise<unknown> = Promise.resolve();
  return { finished: () => finished, secondBatch: () => (second = Promise.all(batch(N))), done: Promise.all(runs).then(() => second) };
}

const transport = new WatchedTransport({ reuseConnections: true, timeouts: DEFAULT_TIMEOUTS });
const abort = new AbortController();
const control = [Buffer.alloc(64 * 1024, 1)];
const controlRef = new WeakRef(control[0]);
const load = (mode === 'sessions' ? sessions : replay)(transport, abort);
// Heap with N in flight, then with 2N: the difference is what N more waiting requests keep,
// without what the first ones set up once (word pool, caches, histograms).
await waitUntil(() => transport.sent >= N, 60_000);
const heapN = await collect();
const sentN = transport.sent;
load.secondBatch();
await waitUntil(() => transport.sent >= 2 * N, 60_000);
const heap2N = await collect();
const out = {
  sent: transport.sent,
  finished: load.finished(),
  bodyBytes: transport.bytes / transport.sent,
  buffers: transport.refs.length,
  reachable: transport.refs.filter((r) => r.deref() !== undefined).length,
  controlReachable: controlRef.deref() !== undefined && control.length === 1,
  heapPerRequest: (heap2N - heapN) / (transport.sent - sentN),
};
abort.abort();
await load.done;
await transport.close();
console.log(JSON.stringify(out));
