// Every fault kind does what it says, on the wire and in the ground truth.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, wordsPrompt } from '../../src/sim/client.js';
import { drawFault, parseFaultKinds } from '../../src/sim/faults.js';
import { type GroundTruthRecord, decodeTokenTimes, scheduledTokenTimes } from '../../src/sim/ground-truth.js';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file.js';
import { type SimProcess, spawnSim } from '../../src/sim/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'sim-faults-'));
const gtPath = join(dir, 'gt.jsonl');
let sim: SimProcess;
let records: Map<string, GroundTruthRecord>;

const streamBody = (max = 8) => ({ messages: [{ role: 'user', content: wordsPrompt(20, 'f') }], max_tokens: max, stream: true, stream_options: { include_usage: true } });
const results: Record<string, Awaited<ReturnType<typeof post>>> = {};

async function run(id: string, fault: string, body: unknown = streamBody()): Promise<void> {
  results[id] = await post(`${sim.url}/v1/chat/completions`, body, { 'x-request-id': id, 'x-sim-fault': fault });
}

beforeAll(async () => {
  sim = await spawnSim(['--preset', 'fast', '--ground-truth', gtPath, '--quiet']);
  await run('s429', 'status=429');
  await run('s500', 'status=500');
  await run('s503', 'status=503');
  await run('cut3', 'cut=3');
  await run('cut0', 'cut=0');
  await run('malformed2', 'malformed=2');
  await run('miderr2', 'mid-error=2');
  await run('stall', 'stall=300@2');
  await run('slow', 'slow-first-byte=300');
  await run('combo', 'slow-first-byte=100; status=503');
  await run('ns-cut', 'cut=2', { ...streamBody(), stream: false, stream_options: undefined });
  await run('ns-miderr', 'mid-error=2', { ...streamBody(), stream: false, stream_options: undefined });
  await run('ns-stall', 'stall=200@1', { ...streamBody(4), stream: false, stream_options: undefined });
  await sim.stop();
  records = new Map(readGroundTruthFile(gtPath).map((r) => [r.id, r]));
}, 120_000);
afterAll(async () => {
  await sim?.stop();
});

describe('fault injection', () => {
  it('status=CODE answers the code with an OpenAI-style error body', () => {
    for (const [id, code, type] of [
      ['s429', 429, 'RateLimitError'],
      ['s500', 500, 'InternalServerError'],
      ['s503', 503, 'ServiceUnavailableError'],
    ] as const) {
      const r = results[id];
      expect(r.status).toBe(code);
      const e = JSON.parse(r.body!).error;
      expect(e).toMatchObject({ type, code });
      expect(e.message).toContain(`status=${code}`);
      expect(records.get(id)).toMatchObject({ status: code, fault: `status=${code}`, completionTokens: 0, firstTokenMs: null, queueExitMs: null, finishReason: null });
    }
  });

  it('cut=N drops the connection after N token chunks, without [DONE]', () => {
    const r = results.cut3;
    expect(r.status).toBe(200);
    expect(r.tokenMs).toHaveLength(3);
    expect(r.doneSeen).toBe(false);
    expect(r.error).toBeTruthy();
    expect(records.get('cut3')).toMatchObject({ fault: 'cut=3', finishReason: 'cut', completionTokens: 3, status: 200 });
    expect(results.cut0.tokenMs).toHaveLength(0);
    expect(results.cut0.doneSeen).toBe(false);
    expect(records.get('cut0')).toMatchObject({ finishReason: 'cut', completionTokens: 0 });
  });

  it('malformed=N sends one event with broken JSON after N tokens; the rest of the stream is intact', () => {
    const r = results.malformed2;
    expect(r.malformed).toBe(1);
    const bad = r.events.findIndex((e) => e.data !== '[DONE]' && e.json === undefined);
    const tokensBefore = r.events.slice(0, bad).filter((e) => e.json?.choices?.[0]?.delta?.content).length;
    expect(tokensBefore).toBe(2);
    expect(r.tokenMs).toHaveLength(8);
    expect(r.doneSeen).toBe(true);
    expect(records.get('malformed2')).toMatchObject({ fault: 'malformed=2', finishReason: 'length', completionTokens: 8 });
  });

  it('mid-error=N sends an error event then [DONE] after N tokens', () => {
    const r = results.miderr2;
    expect(r.tokenMs).toHaveLength(2);
    const err = r.events.find((e) => e.json?.error);
    expect(err?.json.error).toMatchObject({ code: 500, type: 'InternalServerError' });
    expect(r.events[r.events.length - 1].data).toBe('[DONE]');
    expect(records.get('miderr2')).toMatchObject({ fault: 'mid-error=2', finishReason: 'error', completionTokens: 2 });
  });

  it('stall=MS@N pauses the request after N tokens: the gap is in the ground truth and on the wire', () => {
    const rec = records.get('stall')!;
    expect(decodeTokenTimes(rec)).toHaveLength(8);
    // Modelled times (write time minus lateness) are exact: the pause plus a step.
    const t = scheduledTokenTimes(rec);
    const gaps = t.slice(1).map((x, i) => x - t[i]);
    expect(gaps[1]).toBeGreaterThanOrEqual(300);
    expect(Math.max(...gaps.filter((_, i) => i !== 1))).toBeLessThan(gaps[1]);
    // On the wire the gap is there too (give or take the event loop's jitter).
    const c = results.stall.tokenMs;
    expect(c[2] - c[1]).toBeGreaterThan(Math.max(...c.slice(1).map((x, i) => x - c[i]).filter((_, i) => i !== 1)));
    expect(rec).toMatchObject({ fault: 'stall=300@2', finishReason: 'length' });
  });

  it('slow-first-byte=MS holds everything, headers included', () => {
    const r = results.slow;
    expect(r.headersMs - r.sendMs).toBeGreaterThanOrEqual(300);
    const rec = records.get('slow')!;
    expect(rec.queueExitMs! - rec.arrivalMs).toBeGreaterThanOrEqual(300);
    expect(rec.finishReason).toBe('length');
    const combo = results.combo;
    expect(combo.status).toBe(503);
    expect(combo.endMs - combo.sendMs).toBeGreaterThanOrEqual(100);
    expect(records.get('combo')!.fault).toBe('slow-first-byte=100,status=503');
  });

  it('non-streamed requests: cut drops the connection, mid-error is a 500, stall delays the body', () => {
    expect(results['ns-cut'].error).toBeTruthy();
    expect(records.get('ns-cut')).toMatchObject({ finishReason: 'cut', completionTokens: 2, stream: false });
    expect(results['ns-miderr'].status).toBe(500);
    expect(records.get('ns-miderr')).toMatchObject({ status: 500, finishReason: 'error' });
    const st = records.get('ns-stall')!;
    const t = scheduledTokenTimes(st);
    expect(t[1] - t[0]).toBeGreaterThanOrEqual(200);
  });

  it('random faults are deterministic per request id and seed', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sim-rand-'));
    const kindsText = 'status=429,cut=1,status=503';
    const ids = Array.from({ length: 40 }, (_, i) => `rq-${i}`);
    const outcomes: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const gt = join(d, `gt${run}.jsonl`);
      const s = await spawnSim(['--preset', 'fast', '--ground-truth', gt, '--quiet', '--fault-rate', '0.5', '--fault-kinds', kindsText, '--seed', '7']);
      // Second run in reverse order: the draw depends on the id, not on arrival order.
      for (const id of run === 0 ? ids : [...ids].reverse()) await post(`${s.url}/v1/completions`, { prompt: 'r', max_tokens: 3, stream: true }, { 'x-request-id': id });
      await s.stop();
      const recs = new Map(readGroundTruthFile(gt).map((r) => [r.id, r]));
      outcomes.push(ids.map((id) => recs.get(id)!.fault ?? 'none'));
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    const kinds = parseFaultKinds(kindsText);
    expect(outcomes[0]).toEqual(ids.map((id) => drawFault(7, id, 0.5, kinds)?.spec ?? 'none'));
    const faulted = outcomes[0].filter((f) => f !== 'none').length;
    expect(faulted).toBeGreaterThan(5);
    expect(faulted).toBeLessThan(35);
  });
});
