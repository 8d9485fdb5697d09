// A session turn goes to a runtime that sends at the instant itself (the native core) ahead of
// its time, with that time; to one that does not, at its time.

import { describe, expect, it } from 'vitest';
import { runSession, type RunnerContext, type SessionIo } from '../../src/sessions/runner';
import { readSessionsConfig } from '../../src/config/sessions';
import { syntheticVocabulary } from '../../src/prompt/vocabulary';
import { BlockTextCache } from '../../src/prompt/hashblock';
import { Registry } from '../../src/engine/metrics';
import { isTimeMetric } from '../../src/metrics/units';
import type { SessionGroup } from '../../src/sessions/plan';
import type { Exchange } from '../../src/openai/outcome';

const START = 1_000_000;

/** A runtime on a fake clock: waits jump the clock; every send fails at once (one turn is enough). */
function fakeIo(handOverAheadMs: number) {
  let now = START - 5_000;
  const waits: number[] = [];
  const sends: Array<{ at: number | undefined; handedAt: number }> = [];
  const io: SessionIo = {
    nowUnixMs: () => now,
    waitUntil: async (t) => {
      waits.push(t);
      now = Math.max(now, t);
      return true;
    },
    send: async (_req, at) => {
      sends.push({ at, handedAt: now });
      const x: Exchange = {
        status: 0, startUnixMs: at ?? now, connectMs: 0, headersMs: -1, times: [], data: [], invalid: [], tail: '', endMs: 0, body: '',
        error: 'ECONNREFUSED test', errorKind: 'connect', streamed: false,
      };
      return x;
    },
    handOverAheadMs,
  };
  return { io, waits, sends };
}

const group: SessionGroup = {
  id: 's0', file: 0, format: 'test', blockSize: 16, startMs: 0, requests: 1, truncated: 0,
  agents: [{
    id: 's0', parent: -1, spawnAfterTurn: -1, spawnsAtStart: [], joinsAtEnd: [], accumulates: false,
    turns: [{ inputTokens: 32, outputTokens: 8, keep: 0, add: [1, 2], wait: { anchor: 'prev', idleMs: 0, anchorApiMs: 0 }, joins: [], spawns: [] }],
  }],
};

async function firstSend(handOverAheadMs: number) {
  const f = fakeIo(handOverAheadMs);
  const ctx: RunnerContext = {
    io: f.io, sink: new Registry({}, isTimeMetric), cfg: readSessionsConfig({ TRACES: 'in-memory', BASE_URL: 'http://127.0.0.1:9', RUN_ID: 'handover' }),
    vocab: syntheticVocabulary(), model: 'm', originUnixMs: START - 5_000, timing: { mode: 'no-wait', timeScale: 1, apiScale: 1 }, warmCache: new BlockTextCache(4),
  };
  await runSession(ctx, group, 0, START);
  return f;
}

describe('session turns and the send instant', () => {
  it('hands a turn over HAND_OVER ahead, with its instant, to a runtime that sends at the instant', async () => {
    const f = await firstSend(20);
    expect(f.sends).toHaveLength(1);
    expect(f.sends[0].at).toBe(START);
    expect(f.sends[0].handedAt).toBe(START - 20);
    expect(f.waits).toContain(START - 20);
    expect(f.waits).not.toContain(START);
  });

  it('sends at the instant through a runtime that does not schedule sends', async () => {
    const f = await firstSend(0);
    expect(f.sends[0]).toEqual({ at: START, handedAt: START });
  });
});
