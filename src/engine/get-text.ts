// A small GET with a time limit, for the requests beside the load (the preflight's /v1/models,
// the engine's /metrics): undici, never the load's own pools, and a network failure as one
// short phrase instead of an exception.

import { Agent, request, type Dispatcher } from 'undici';
import { networkReason } from '../outputs/http';

export type GetAnswer = { status: number; body: string } | { error: string };

/** GETs `url`; `dispatcher` keeps a connection between calls (default: a fresh one, closed after). */
export async function getText(url: string, headers: Record<string, string>, timeoutMs: number, dispatcher?: Dispatcher): Promise<GetAnswer> {
  const own = dispatcher ? undefined : new Agent();
  try {
    const res = await request(url, { dispatcher: dispatcher ?? own, headers, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.statusCode, body: await res.body.text() };
  } catch (err) {
    return { error: (err as Error).name === 'TimeoutError' ? `timeout after ${timeoutMs / 1000}s` : networkReason(err) };
  } finally {
    await own?.close();
  }
}
