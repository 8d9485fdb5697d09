// https targets through both transports: the simulator behind a small TLS front (node:https
// with a test CA's certificate, test/fixtures/tls), the CLI run with NODE_EXTRA_CA_CERTS as a
// user trusting a private CA would. The native core (rustls) and the JS transport (Node's TLS)
// give the same counts, tokens and outcomes; without the CA both fail every request as tls.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:https';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
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

async function replay(base: string, dir: string, name: string, transport: string, env: Record<string, string>, extra: string[] = []): Promise<Run> {
  const summaryPath = join(dir, `${name}.summary.json`);
  const jsonl = join(dir, `${name}.jsonl`);
  const run = await runCli(['replay', '--trace', 'traces/mooncake-sample.jsonl', '--base-url', base, '--model', 'sim-model', '--speedup', '20',
    '--max-requests', String(N), '--run-id', name, '--summary-json', summaryPath, '--out', `jsonl=${jsonl}`, '--no-scrape', '--quiet', '--transport', transport, ...extra], env);
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
