// The context's scheduling without a server: closed loops, sleeps and Ctrl-C. Requests are
// covered against the real simulator (test/integration/scripting.test.ts).
import { describe, expect, it } from 'vitest';
import { Context } from '../../../src/engine/scripting/context';
import { RequestClient } from '../../../src/engine/scripting/client';
import { Registry } from '../../../src/engine/metrics';
import { Transport, DEFAULT_TIMEOUTS } from '../../../src/engine/transport';
import { parseSegment, parseSequence, segmentIndices } from '../../../src/schedule/segments';
import type { IndexShare } from '../../../src/schedule/segments';

function context(stop = new AbortController(), share?: IndexShare) {
  const registry = new Registry();
  const transport = new Transport({ reuseConnections: true, timeouts: DEFAULT_TIMEOUTS });
  const client = new RequestClient({ transport, sink: registry, target: { baseUrl: 'http://127.0.0.1:9', model: 'm', endpoint: 'chat', stream: true }, originUnixMs: 0, requestIdHeader: 'x-id', idPrefix: 't' });
  const logs: string[] = [];
  const ctx = new Context({ client, sink: registry, runId: 't', stopSending: stop.signal, share, hooks: { log: (t) => logs.push(t) } });
  return { ctx, registry, logs, stop, transport };
}

describe('scripting context', () => {
  it('runs every VU for its iterations and counts them as k6 does', async () => {
    const { ctx, registry, transport } = context();
    const seen: string[] = [];
    const r = await ctx.closedLoop({ vus: 3, iterations: 2 }, ({ vu, iteration }) => {
      seen.push(`${vu}.${iteration}`);
    });
    expect(r).toEqual({ iterations: 6, failedIterations: 0 });
    expect(seen.sort()).toEqual(['0.0', '0.1', '1.0', '1.1', '2.0', '2.1']);
    expect(registry.counterValue('iterations')).toBe(6);
    await transport.close();
  });

  it('logs and counts failed iterations and goes on', async () => {
    const { ctx, logs, transport } = context();
    const r = await ctx.closedLoop({ vus: 1, iterations: 3 }, ({ iteration }) => {
      if (iteration === 1) throw new Error('bad turn');
    });
    expect(r).toEqual({ iterations: 3, failedIterations: 1 });
    expect(logs[0]).toMatch(/VU 0 iteration 1 threw: bad turn/);
    await transport.close();
  });

  it('runs only its own VUs in a segment', async () => {
    const share = segmentIndices(parseSegment('1/2:1'), parseSequence('0,1/2,1'));
    const { ctx, transport } = context(new AbortController(), share);
    const vus = new Set<number>();
    await ctx.closedLoop({ vus: 4, iterations: 1 }, ({ vu }) => void vus.add(vu));
    expect(vus.size).toBe(2);
    await transport.close();
  });

  it('ends a duration-bound loop and sleeps at Ctrl-C', async () => {
    const { ctx, stop, transport } = context();
    setTimeout(() => stop.abort(), 50);
    const t0 = performance.now();
    const r = await ctx.closedLoop({ vus: 2, durationMs: 60_000 }, () => ctx.sleep(10_000));
    const took = performance.now() - t0;
    expect(r.iterations).toBe(2);
    // Stopped by the abort at 50 ms, not by the 10 s sleep or the 60 s duration.
    expect(took).toBeLessThan(10_000 / 4);
    await ctx.waitUntil(60_000);
    await transport.close();
  });

  it('checks the schedule before starting', async () => {
    const { ctx, transport } = context();
    await expect(ctx.openLoop({ rate: -1, durationMs: 10 }, () => ({ prompt: 'x' }))).rejects.toThrow(/rate = -1/);
    await expect(ctx.closedLoop({ vus: 0, iterations: 1 }, () => {})).rejects.toThrow(/vus = 0/);
    await transport.close();
  });
});
