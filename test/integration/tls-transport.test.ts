// https targets through both transports: the simulator behind a small TLS front (node:https
// with a test CA's certificate, test/fixtures/tls), the CLI run with NODE_EXTRA_CA_CERTS as a
// user trusting a private CA would. The native core (rustls) and the JS transport (Node's TLS)
// give the same counts, tokens and outcomes; without the CA both fail every request as tls. A
// stream reset (RST) over TLS is reset and one closed (FIN) eof on both, even when it comes with
// the last bytes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:https';
import { request } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import { readRecords, runCli, startSim, tempDir, type RunningSim } from './support/processes';
import { loadNative } from '../../src/engine/native-addon';
import type { ReplayResult } from '../../src/metrics/summary';
import type { RequestRecord } from '../../src/outputs/jsonl';

const FIXTURES = join(__dirname, '..', 'fixtures', 'tls');
const CA = join(FIXTURES, 'ca.pem');
const N = 12;

/** Forwards every request to the simulator and streams its answer back, over TLS. */
function tlsFront(sim: RunningSim): Promise<Server> {
  const server = createServer({ key: readFileSync(join(FIXTURES, 'key.pem')), cert: readFileSync(join(FIXTURES, 'cert.pem')) }, (req, res) => {
    const up = request(`${sim.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

interface Run {
  code: number | null;
  summary: ReplayResult & { transport?: string };
  records: RequestRecord[];
}

async function replay(base: string, dir: string, name: string, transport: string, env: Record<string, string>, extra: string[] = [], n = N): Promise<Run> {
  const summaryPath = join(dir, `${name}.summary.json`);
  const jsonl = join(dir, `${name}.jsonl`);
  const run = await runCli(['replay', '--trace', 'traces/mooncake-sample.jsonl', '--base-url', base, '--model', 'sim-model', '--speedup', '20',
    '--max-requests', String(n), '--run-id', name, '--summary-json', summaryPath, '--out', `jsonl=${jsonl}`, '--no-scrape', '--quiet', '--transport', transport, ...extra], env);
  expect(existsSync(summaryPath), run.stdout + run.stderr).toBe(true);
  return { code: run.code, summary: JSON.parse(readFileSync(summaryPath, 'utf8')), records: readRecords(jsonl) };
}

const outcomes = (r: Run) => r.records.map((x) => ({ index: x.index, ok: x.ok, reason: x.reason, status: x.status, outputTokens: x.outputTokens })).sort((a, b) => a.index - b.index);

describe('https targets on the native core and the JS transport', () => {
  const dir = tempDir('tls');
  let sim: RunningSim;
  let front: Server;
  let base = '';

  beforeAll(async () => {
    expect(loadNative().reason, 'the native addon must be built (make build)').toBeUndefined();
    sim = await startSim(['--preset', 'fast', '--max-model-len', '200000', '--kv-blocks', '200000', '--quiet', '--seed', '3']);
    front = await tlsFront(sim);
    base = `https://localhost:${(front.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    front?.closeAllConnections();
    await new Promise((r) => front?.close(r));
    await sim?.stop();
  });

  it('streams every request over TLS alike, trusting the CA of NODE_EXTRA_CA_CERTS', async () => {
    const native = await replay(base, dir, 'native', 'native', { NODE_EXTRA_CA_CERTS: CA });
    const js = await replay(base, dir, 'js', 'js', { NODE_EXTRA_CA_CERTS: CA });
    expect(native.code).toBe(0);
    expect(js.code).toBe(0);
    expect(native.summary.transport).toBe('native');
    expect(native.summary.requests).toMatchObject({ planned: N, sent: N, completed: N });
    expect(native.records.filter((r) => !r.ok || !((r.outputTokens ?? 0) > 0)), JSON.stringify(native.records.slice(0, 2))).toEqual([]);
    expect(outcomes(native)).toEqual(outcomes(js));
  }, 240_000);

  it('fails every request as tls when the server certificate is not trusted', async () => {
    // The preflight would stop the run at the first untrusted answer; each request must say it.
    const native = await replay(base, dir, 'native-untrusted', 'native', {}, ['--no-preflight']);
    const js = await replay(base, dir, 'js-untrusted', 'js', {}, ['--no-preflight']);
    for (const r of [native, js]) {
      expect(r.records).toHaveLength(N);
      expect(new Set(r.records.map((x) => x.reason))).toEqual(new Set(['tls']));
    }
  }, 240_000);
});

/**
 * Answers every request over TLS with a stream's head and one token chunk, then resets (RST) or
 * closes (FIN) the connection at once: the drop reaches the client with the last bytes.
 */
function droppingTlsServer(drop: 'reset' | 'close'): Promise<TcpServer> {
  const secureContext = createSecureContext({ key: readFileSync(join(FIXTURES, 'key.pem')), cert: readFileSync(join(FIXTURES, 'cert.pem')) });
  const sse = 'data: {"id":"c","object":"chat.completion.chunk","model":"sim-model","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n';
  const answer = `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${sse.length.toString(16)}\r\n${sse}\r\n`;
  const server = createTcpServer((raw) => {
    const tls = new TLSSocket(raw, { isServer: true, secureContext });
    tls.on('error', () => {});
    let got = '';
    tls.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end < 0 || got.length - end - 4 < Number(/content-length: *(\d+)/i.exec(got.slice(0, end))?.[1] ?? 0)) return;
      // Dropped once the TLS layer has handed the answer to the kernel (right after the write,
      // it may still hold it: a destroy then loses it).
      tls.write(answer, () => (drop === 'reset' ? raw.resetAndDestroy() : tls.destroy()));
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

describe('a TLS stream reset or closed with its last bytes', () => {
  const dir = tempDir('tls-drop');
  const M = 40;
  const servers: TcpServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  for (const [drop, reason] of [['reset', 'stream_reset'], ['close', 'stream_eof']] as const) {
    it(`is ${reason} on every request, on both transports`, async () => {
      const server = await droppingTlsServer(drop);
      servers.push(server);
      const url = `https://localhost:${(server.address() as AddressInfo).port}`;
      for (const transport of ['native', 'js']) {
        const r = await replay(url, dir, `${drop}-${transport}`, transport, { NODE_EXTRA_CA_CERTS: CA }, ['--no-preflight'], M);
        expect(r.records, transport).toHaveLength(M);
        expect(r.records.filter((x) => x.reason !== reason).map((x) => `${transport} ${x.id}: ${x.reason}`)).toEqual([]);
        for (const x of r.records) expect(x.ttftMs, x.id).toBeGreaterThan(0); // the chunk before the drop was measured
      }
    }, 240_000);
  }
});
