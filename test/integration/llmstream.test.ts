// End-to-end check of k6/x/llmstream inside the real build/k6: a k6 script posts to a
// loopback Node SSE server and prints its results; we compare them with what the server did.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const K6 = 'build/k6';

// Server: /sse?n=&gap=&delay=&id= streams n events `gap` ms apart after `delay` ms, then
// [DONE]; /json answers 429 with a JSON error; /cut sends one event and destroys the socket.
// It records when it wrote each event of a stream (ground truth for the gaps).
const written = new Map<string, number[]>();
let server: http.Server;
let base = '';
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const num = (k: string, d: number) => Number(u.searchParams.get(k) ?? d);
      if (u.pathname === '/json') {
        res.writeHead(429, { 'Content-Type': 'application/json' });
        res.end('{"error":{"message":"slow down"}}');
        return;
      }
      if (u.pathname === '/cut') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('data: a\n\ndata: {"par');
        setTimeout(() => res.destroy(), 20);
        return;
      }
      const [n, gap, delay, id] = [num('n', 5), num('gap', 50), num('delay', 0), u.searchParams.get('id') ?? ''];
      const times: number[] = [];
      written.set(id, times);
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        let i = 0;
        const tick = () => {
          times.push(performance.now());
          if (i < n) {
            res.write(`event: chunk\ndata: {"i":${i++}}\n\n`);
            setTimeout(tick, gap);
          } else {
            res.end('data: [DONE]\n\n');
          }
        };
        tick();
      }, delay);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const script = `
import llm from 'k6/x/llmstream';
let initError = '';
try { llm.post('http://127.0.0.1:9/', '{}'); } catch (e) { initError = String(e); }
export const options = { vus: 1, iterations: 1 };
const out = (k, v) => console.log('OUT ' + JSON.stringify({ k, v }));
export default async function () {
  const base = __ENV.BASE;
  out('init', initError);
  const stream = llm.post(base + '/sse?n=8&gap=40&id=blocking', JSON.stringify({ stream: true }), { timeoutMs: 10000 });
  out('stream', stream);
  out('pooled', llm.post(base + '/sse?n=1&gap=0', '{}'));
  out('fresh', llm.post(base + '/sse?n=1&gap=0', '{}', { reuseConnections: false }));
  out('json', llm.post(base + '/json', '{}'));
  out('cut', llm.post(base + '/cut', '{}'));
  const t0 = llm.nowUnixMs();
  const both = await Promise.all([
    llm.postAsync(base + '/sse?n=3&gap=100&delay=100&id=a1', '{}'),
    llm.postAsync(base + '/sse?n=3&gap=100&delay=100&id=a2', '{}'),
  ]);
  out('async', { wallMs: llm.nowUnixMs() - t0, results: both });
  llm.record('itl', stream.times.slice(1).map((t, i) => t - stream.times[i]));
}
export function handleSummary() {
  return { stdout: 'OUT ' + JSON.stringify({ k: 'snapshot', v: llm.snapshot('itl') }) + '\\n' };
}
`;

// What the k6 script prints: the extension's own result type (src/k6/llmstream.d.ts).
type Result = import('k6/x/llmstream').Result;

function runK6(dir: string): Promise<{ code: number | null; out: Record<string, any>; log: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(K6, ['run', '--quiet', '--log-format', 'raw', '-e', `BASE=${base}`, join(dir, 'script.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    proc.stdout.on('data', (d) => (log += d));
    proc.stderr.on('data', (d) => (log += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      const out: Record<string, any> = {};
      for (const line of log.split('\n')) {
        const i = line.indexOf('OUT {');
        if (i >= 0) {
          const { k, v } = JSON.parse(line.slice(i + 4));
          out[k] = v;
        }
      }
      resolve({ code, out, log });
    });
  });
}

describe('k6/x/llmstream in build/k6', () => {
  let run: Awaited<ReturnType<typeof runK6>>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k6lr-llmstream-'));
    writeFileSync(join(dir, 'script.js'), script);
    try {
      run = await runK6(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the script', () => {
    expect(run.code, run.log).toBe(0);
    expect(Object.keys(run.out).sort(), run.log).toEqual(['async', 'cut', 'fresh', 'init', 'json', 'pooled', 'snapshot', 'stream']);
  });

  it('refuses to send from the init context', () => {
    expect(run.out.init).toContain('cannot be called in the init context');
  });

  it('streams events with Go-side times that match the server', () => {
    const r: Result = run.out.stream;
    expect(r.status).toBe(200);
    expect(r.error).toBe('');
    expect(r.data).toEqual([...Array.from({ length: 8 }, (_, i) => `{"i":${i}}`), '[DONE]']);
    expect(r.names).toEqual([...Array(8).fill('chunk'), '']);
    expect(r.times).toHaveLength(9);
    expect(r.firstByteMs).toBeGreaterThanOrEqual(0);
    expect(r.headersMs).toBeLessThanOrEqual(r.times[0]);
    expect(r.endMs).toBeGreaterThanOrEqual(r.times[8]);
    expect(Math.abs(r.startUnixMs - Date.now())).toBeLessThan(30_000);
    // Gaps seen by k6 vs gaps between the server's writes: the error is transport + scheduling
    // noise only. Loose bounds: the machine is shared.
    const server = written.get('blocking')!;
    const errors = r.times.slice(1).map((t, i) => Math.abs(t - r.times[i] - (server[i + 1] - server[i])));
    const meanError = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(meanError, `gap errors ${errors.map((e) => e.toFixed(3))}`).toBeLessThan(3);
    expect(Math.max(...errors)).toBeLessThan(25);
  });

  it('reuses pooled connections and opens fresh ones on request', () => {
    expect(run.out.stream.reused).toBe(false);
    expect(run.out.stream.connectMs).toBeGreaterThan(0);
    expect(run.out.pooled.reused).toBe(true);
    expect(run.out.pooled.connectMs).toBe(0);
    expect(run.out.fresh.reused).toBe(false);
    expect(run.out.fresh.connectMs).toBeGreaterThan(0);
  });

  it('returns error bodies of non-SSE responses', () => {
    const r: Result = run.out.json;
    expect(r.status).toBe(429);
    expect(JSON.parse(r.body)).toEqual({ error: { message: 'slow down' } });
    expect(r.times).toEqual([]);
    expect(r.error).toBe('');
  });

  it('reports a cut stream', () => {
    const r: Result = run.out.cut;
    expect(r.status).toBe(200);
    expect(r.data).toEqual(['a']);
    expect(r.tail).toBe('{"par');
    expect(r.errorKind).toBe('eof');
  });

  it('runs postAsync calls of one VU concurrently', () => {
    const { wallMs, results } = run.out.async as { wallMs: number; results: Result[] };
    const [a, b] = results;
    for (const r of results) expect(r.data).toHaveLength(4);
    // Each ~400 ms long; overlapping, so together far below 800 ms.
    expect(a.startUnixMs).toBeLessThan(b.startUnixMs + b.endMs);
    expect(b.startUnixMs).toBeLessThan(a.startUnixMs + a.endMs);
    expect(wallMs).toBeLessThan(700);
  });

  it('shares histograms with handleSummary', () => {
    const s = run.out.snapshot;
    expect(s.count).toBe(8);
    expect(s.growth).toBe(1.01);
    const total = Object.values(s.buckets as Record<string, number>).reduce((a, b) => a + b, 0) + s.zeroCount;
    expect(total).toBe(8);
  });
});

// Four VUs each send one request, one after another: with the process-wide pool the later VUs
// take the connection the earlier ones left, instead of each dialling its own.
const sharedPoolScript = `
import llm from 'k6/x/llmstream';
import { sleep } from 'k6';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 4, iterations: 1 } } };
export default function () {
  sleep((__VU - 1) * 0.3);
  const r = llm.post(__ENV.BASE + '/sse?n=1&gap=0', '{}');
  console.log('OUT ' + JSON.stringify({ k: 'vu' + __VU, v: { status: r.status, reused: r.reused } }));
}
`;

describe('k6/x/llmstream connection pool', () => {
  it('is shared by the VUs of a process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k6lr-llmstream-pool-'));
    writeFileSync(join(dir, 'script.js'), sharedPoolScript);
    connections = 0;
    try {
      const run = await runK6(dir);
      expect(run.code, run.log).toBe(0);
      const results = [1, 2, 3, 4].map((vu) => run.out[`vu${vu}`] as { status: number; reused: boolean });
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(results.filter((r) => r.reused)).toHaveLength(3);
      expect(connections).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
