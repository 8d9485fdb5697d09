// The engine's transports against a real node:http server on 127.0.0.1, the same cases for
// both: the JS HTTP/1.1 client (src/engine/http1.ts behind Transport) and the native I/O core
// (native/ behind NativeTransport). Chunked SSE, content-length and read-until-close bodies,
// keep-alive reuse, connections opened ahead, a connection closed (eof) or reset (reset) mid-stream,
// aborts.

import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS, type TransportKind } from '../../src/engine/transport';
import { createTransport } from '../../src/engine/transport-choice';

let server: Server;
let base = '';
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
        setTimeout(() => {
          res.write('data: {"choices":[{"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n');
          res.end();
        }, 20);
      } else if (req.url === '/length') {
        const text = JSON.stringify({ echo: body, id: req.headers['x-request-id'] });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      } else if (req.url === '/close') {
        // No length, no chunking: the body ends when the server closes.
        req.socket.write('HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nnot here');
        req.socket.end();
      } else if (req.url === '/tokens') {
        const tok = (c: string) => `data: {"choices":[{"index":0,"delta":{"content":"${c}"},"finish_reason":null}]}\n\n`;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(tok('a') + tok('b') + 'data: [DONE]\n\n');
      } else if (req.url === '/hang') {
        // Never answers (the client aborts).
      } else if (req.url?.startsWith('/cut') || req.url?.startsWith('/reset')) {
        // One event, then a close (FIN, /cut) or a reset (RST, /reset): 20 ms later, or with the
        // event (?now: both reach the client in one wake-up, where libuv says EOF for either).
        // Written on the socket itself: node:http holds a response's first write back a tick (cork).
        const drop = () => (req.url!.startsWith('/reset') ? req.socket.resetAndDestroy() : req.socket.destroy());
        const sse = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\n';
        req.socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${sse.length.toString(16)}\r\n${sse}\r\n`);
        if (req.url.endsWith('?now')) drop();
        else setTimeout(drop, 20);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const headers = { 'content-type': 'application/json' };

describe.each(['js', 'native'] as TransportKind[])('engine transport %s', (kind) => {
  const make = () => createTransport(kind, { reuseConnections: true, timeouts: DEFAULT_TIMEOUTS });

  it('stamps each SSE event of a chunked stream as it is read, after the send', async () => {
    const t = make();
    const x = await t.send({ url: `${base}/sse`, body: '{}', headers });
    await t.close();
    expect(x).toMatchObject({ status: 200, streamed: true, error: '' });
    expect(x.times).toHaveLength(3); // two token chunks and [DONE]
    expect(x.times[1] - x.times[0]).toBeGreaterThan(10); // the server's 20 ms pause shows
    expect(x.endMs).toBeGreaterThanOrEqual(x.times[2]);
  });

  it('reads a content-length body and reuses the connection for the next request', async () => {
    const t = make();
    sockets.clear();
    const a = await t.send({ url: `${base}/length`, body: Buffer.from('{"n":1}'), headers: { ...headers, 'X-Request-Id': 'r1' } });
    const b = await t.send({ url: `${base}/length`, body: '{"n":2}', headers: { ...headers, 'X-Request-Id': 'r2' } });
    await t.close();
    expect(JSON.parse(a.body)).toEqual({ echo: '{"n":1}', id: 'r1' });
    expect(JSON.parse(b.body)).toEqual({ echo: '{"n":2}', id: 'r2' });
    expect(sockets.size).toBe(1);
    expect(a.connectMs).toBeGreaterThan(0); // the first request waited for its connection
    expect(b.connectMs).toBe(0);
  });

  it('sends on connections opened ahead (reserve): no connection setup inside the request', async () => {
    const t = make();
    t.reserve(`${base}/length`, 3);
    await new Promise((r) => setTimeout(r, 50));
    const xs = await Promise.all([1, 2, 3].map(() => t.send({ url: `${base}/length`, body: '{}', headers })));
    await t.close();
    expect(xs.map((x) => [x.status, x.connectMs])).toEqual([[200, 0], [200, 0], [200, 0]]);
  });

  it('reads a body delimited by the connection close, status kept', async () => {
    const t = make();
    const x = await t.send({ url: `${base}/close`, body: '{}', headers });
    await t.close();
    expect(x).toMatchObject({ status: 404, body: 'not here', error: '' });
  });

  for (const [path, kind] of [['/cut', 'eof'], ['/reset', 'reset']]) {
    it(`reports a stream ${kind === 'eof' ? 'closed' : 'reset'} by the server as ${kind}, after the events that came`, async () => {
      const t = make();
      const x = await t.send({ url: `${base}${path}`, body: '{}', headers });
      await t.close();
      expect(x).toMatchObject({ status: 200, errorKind: kind });
      expect(x.times).toHaveLength(1);
    });

    it(`tells ${kind} every time when the ${kind === 'eof' ? 'FIN' : 'RST'} comes with the last bytes (100 in a row, some at once)`, async () => {
      const t = make();
      const xs: Array<{ status: number; errorKind: string; events: number }> = [];
      for (let i = 0; i < 10; i++) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => t.send({ url: `${base}${path}?now`, body: '{}', headers })));
        xs.push(...batch.map((x) => ({ status: x.status, errorKind: x.errorKind, events: x.times.length })));
      }
      await t.close();
      expect(xs.filter((x) => x.errorKind !== kind || x.status !== 200 || x.events !== 1)).toEqual([]);
    });
  }

  it('drops plain token text unless asked to keep every event', async () => {
    const t = make();
    const plain = await t.send({ url: `${base}/tokens`, body: '{}', headers });
    const kept = await t.send({ url: `${base}/tokens`, body: '{}', headers, keepEvents: true });
    await t.close();
    expect(plain.kinds).toEqual([1, 1, 128]);
    expect(plain.data).toEqual(['', '', '']);
    expect(kept.data.slice(0, 2).map((d) => JSON.parse(d).choices[0].delta.content)).toEqual(['a', 'b']);
  });

  it('aborts a request in flight when its signal fires', async () => {
    const t = make();
    const ac = new AbortController();
    const pending = t.send({ url: `${base}/hang`, body: '{}', headers, signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    const x = await pending;
    await t.close();
    expect(x).toMatchObject({ status: 0, errorKind: 'aborted' });
  });

  it('fails a refused connection as connect', async () => {
    const t = make();
    const x = await t.send({ url: 'http://127.0.0.1:1/x', body: '{}', headers });
    await t.close();
    expect(x).toMatchObject({ status: 0, errorKind: 'connect' });
  });
});
