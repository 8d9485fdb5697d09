// The warm-up before offset 0 (src/engine/warmup.ts) must run the same code a real request
// runs, success path included: its loopback server's answers go through our transport and
// measurement and come out as ok outcomes with tokens, streamed or not, chat or completions.

import { describe, expect, it } from 'vitest';
import { warmHotPaths, WARMUP_REQUESTS } from '../../../src/engine/warmup';
import { Transport, DEFAULT_TIMEOUTS } from '../../../src/engine/transport';
import { RequestClient } from '../../../src/engine/scripting/client';
import { Registry } from '../../../src/engine/metrics';
import { isTimeMetric } from '../../../src/metrics/units';
import { nowMs, nowUnixMs } from '../../../src/engine/clock';
import type { LlmResult } from '../../../src/engine/scripting/request';

async function warmWith(endpoint: 'chat' | 'completions', stream: boolean, deadlineMs?: number): Promise<{ sent: number; results: LlmResult[] }> {
  const transport = new Transport({ reuseConnections: true, timeouts: DEFAULT_TIMEOUTS });
  const results: LlmResult[] = [];
  try {
    const r = await warmHotPaths({
      deadlineMs,
      exchange: async (baseUrl, i) => {
        const client = new RequestClient({ transport, sink: new Registry({}, isTimeMetric), target: { baseUrl, model: 'm', endpoint, stream }, originUnixMs: nowUnixMs(), requestIdHeader: 'X-Request-Id', idPrefix: 'w' });
        results.push(await client.send({ prompt: `warm ${i}`, maxTokens: 8 }));
      },
    });
    return { sent: r.sent, results };
  } finally {
    await transport.close();
  }
}

describe('warmHotPaths', () => {
  for (const endpoint of ['chat', 'completions'] as const) {
    for (const stream of [true, false]) {
      it(`answers ${endpoint} requests (stream ${stream}) as a server would: every one ok, with tokens and usage`, async () => {
        const { sent, results } = await warmWith(endpoint, stream);
        expect(sent).toBe(WARMUP_REQUESTS);
        expect(results).toHaveLength(WARMUP_REQUESTS);
        for (const r of results) {
          expect(r.ok, r.detail).toBe(true);
          expect(r.outputTokens).toBe(8);
          expect(r.tokenSource).toBe('usage');
          if (stream) expect(r.ttftMs).toBeGreaterThanOrEqual(0);
        }
      });
    }
  }

  it('starts no request past its deadline', async () => {
    const { sent } = await warmWith('chat', true, nowMs() - 1);
    expect(sent).toBe(0);
  });
});
