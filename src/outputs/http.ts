// The HTTP side the database outputs share: one small keep-alive pool per output (apart from the
// load's own pools, so writes never queue behind or in front of test requests), basic auth
// from the URL's user:pass@ (never shown in messages), and bounded time per request.

import type { Agent } from 'undici';

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface Endpoint {
  /** URL without credentials, safe to show. */
  shown: string;
  headers: Record<string, string>;
}

/** Splits credentials off a URL: the Authorization header, and the URL to show and send to. */
export function endpointOf(url: URL): Endpoint {
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return { shown: bare.href.replace(/\/$/, ''), headers };
}

/** A URL for messages: credentials replaced by ***. */
export function redacted(spec: string): string {
  return spec.replace(/\/\/[^/@]*@/, '//***@');
}

/**
 * Parses the URL of `--out FLAG=URL` (http or https); `bad` builds an error naming the value
 * (without its credentials) and an example.
 */
export function parseOutputUrl(spec: string, flag: string, example: string): { url: URL; bad: (why: string) => Error } {
  const bad = (why: string) => new Error(`--out ${flag}=${redacted(spec)}: ${why} (e.g. ${flag}=${example})`);
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`${url.protocol} is not supported, use http:// or https://`);
  return { url, bad };
}

/** undici, loaded with the first write: a run without a database output never compiles it. */
let undici: Promise<typeof import('undici')> | undefined;

export class HttpClient {
  private agent: Agent | undefined;

  constructor(private readonly timeoutMs: number, private readonly connections = 4) {}

  async post(url: string, headers: Record<string, string>, body: string | Uint8Array): Promise<HttpAnswer> {
    const { Agent, request } = await (undici ??= import('undici'));
    const t = this.timeoutMs;
    this.agent ??= new Agent({ connections: this.connections, keepAliveTimeout: 10_000, connectTimeout: t, headersTimeout: t, bodyTimeout: t });
    const res = await request(url, { method: 'POST', headers, body, dispatcher: this.agent });
    return { status: res.statusCode, body: await res.body.text() };
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}

/** A network error as one short phrase ("ECONNREFUSED 127.0.0.1:1"). */
export function networkReason(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.code ?? e.cause?.code ?? e.message ?? String(err);
}
