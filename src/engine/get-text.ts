// A small GET with a time limit, for the requests beside the load (the preflight's /v1/models,
// the engine's /metrics, a start file over HTTP): Node's own http client, never the load's own
// pools, and a network failure as one short phrase instead of an exception. (Not undici: its
// 700 kB would be compiled at every start for the preflight alone.)

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { networkReason } from '../outputs/http';

export type GetAnswer = { status: number; body: string } | { error: string };

/** Keeps one connection per origin open between GETs (a scrape every few seconds). */
export class KeepAlive {
  readonly http = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 1 });

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** GETs `url`; `keepAlive` keeps a connection between calls (default: a fresh one, closed after). */
export function getText(url: string, headers: Record<string, string>, timeoutMs: number, keepAlive?: KeepAlive): Promise<GetAnswer> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return resolve({ error: `not a URL: ${url}` });
    }
    const tls = u.protocol === 'https:';
    const agent = keepAlive ? (tls ? keepAlive.https : keepAlive.http) : false;
    const options = { method: 'GET', headers, agent, signal: AbortSignal.timeout(timeoutMs) };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    };
    const fail = (err: Error) => resolve({ error: err.name === 'AbortError' || err.name === 'TimeoutError' ? `timeout after ${timeoutMs / 1000}s` : networkReason(err) });
    const req = tls ? httpsRequest(u, options, onResponse) : httpRequest(u, options, onResponse);
    req.on('error', fail);
    req.end();
  });
}
