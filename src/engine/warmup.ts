// Warming the hot paths before offset 0. V8 compiles a function lazily on its first call and
// optimises it after many: without a warm-up the first requests of a run pay for compiling the
// request builder, the HTTP/1.1 client's write and parse paths, the SSE decoder, the outcome
// measurement and the record's serialisation while they are in flight (in a 600-request replay,
// requests 11-22 went 8-39 ms late against the packet capture, the rest under 1 ms).
// So each load thread, before it reports ready, sends a few dozen requests built by its own
// `prepare` through a throwaway transport to a loopback server in this thread that answers them
// as an OpenAI-compatible server would (streamed or not, chat or completions, with usage).
// Nothing of it reaches the run's server, registry or records.

import { createServer, type Server, type Socket } from 'node:net';
import { nowMs } from './clock';

/** Requests sent by the warm-up, and how many at a time. */
export const WARMUP_REQUESTS = 48;
const WARMUP_CONCURRENCY = 8;
/** Tokens streamed per warm-up response. */
const WARMUP_TOKENS = 8;

export interface WarmupOptions {
  /** Sends request `i` to `baseUrl` the way the run sends its own, and writes its record nowhere. */
  exchange(baseUrl: string, i: number): Promise<void>;
  /** Stop starting requests at this monotonic time (a fixed common start is near). */
  deadlineMs?: number;
  requests?: number;
}

export interface WarmupResult {
  sent: number;
  ms: number;
}

/** Runs the warm-up exchanges against a loopback server of its own; resolves once it is closed. */
export async function warmHotPaths(o: WarmupOptions): Promise<WarmupResult> {
  const t0 = nowMs();
  const total = o.requests ?? WARMUP_REQUESTS;
  const server = await startCannedServer();
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total && (o.deadlineMs === undefined || nowMs() < o.deadlineMs)) await o.exchange(baseUrl, next++);
  };
  try {
    await Promise.all(Array.from({ length: WARMUP_CONCURRENCY }, lane));
  } finally {
    await stopServer(server);
  }
  return { sent: next, ms: nowMs() - t0 };
}

/** The body an OpenAI-compatible server answers `request` (its JSON body) with, streamed or whole. */
export function cannedResponse(path: string, body: string): { contentType: string; payload: string } {
  const chat = path.includes('/chat/');
  const stream = /"stream"\s*:\s*true/.test(body);
  const usage = { prompt_tokens: Math.max(1, body.length >> 2), completion_tokens: WARMUP_TOKENS, total_tokens: Math.max(1, body.length >> 2) + WARMUP_TOKENS };
  const base = { id: 'warmup', object: chat ? 'chat.completion.chunk' : 'text_completion', created: 0, model: 'warmup' };
  if (!stream) {
    const text = ' tok'.repeat(WARMUP_TOKENS);
    const choice = chat ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' } : { index: 0, text, finish_reason: 'length' };
    return { contentType: 'application/json', payload: JSON.stringify({ ...base, object: chat ? 'chat.completion' : 'text_completion', choices: [choice], usage }) };
  }
  const events: string[] = [];
  for (let i = 0; i < WARMUP_TOKENS; i++) {
    const choice = chat ? { index: 0, delta: i === 0 ? { role: 'assistant', content: ' tok' } : { content: ' tok' }, finish_reason: null } : { index: 0, text: ' tok', finish_reason: null };
    events.push(`data: ${JSON.stringify({ ...base, choices: [choice] })}\n\n`);
  }
  events.push(`data: ${JSON.stringify({ ...base, choices: [chat ? { index: 0, delta: {}, finish_reason: 'length' } : { index: 0, text: '', finish_reason: 'length' }] })}\n\n`);
  events.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`, 'data: [DONE]\n\n');
  return { contentType: 'text/event-stream', payload: events.join('') };
}

/** A keep-alive HTTP/1.1 server on 127.0.0.1:0 that answers every POST with cannedResponse (chunked). */
type CannedServer = Server & { sockets: Set<Socket> };

function startCannedServer(): Promise<CannedServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf: Buffer = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.toString('utf8', end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        const path = head.slice(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
        const { contentType, payload } = cannedResponse(path, body);
        // Head, then the body in two chunks: the client's chunked parser and SSE decoder both run.
        const half = payload.length >> 1;
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\ntransfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n`);
        for (const part of [payload.slice(0, half), payload.slice(half)]) socket.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
        socket.write('0\r\n\r\n');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(Object.assign(server, { sockets })));
  });
}

function stopServer(server: CannedServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of server.sockets) s.destroy();
  });
}
