// A raw-socket client that checks the simulator's arrival stamps (tests and scripts/bench):
// it sends bursts of requests with big prompts, all due at the same millisecond, on keep-alive
// connections opened (and accepted by the server) ahead, as a load generator's pool has them,
// with each request serialized to one Buffer ahead. Its send stamp is
// taken right before socket.write, so what is left between the two stamps is the simulator's
// own delay in noticing the request (plus a few microseconds of loopback).

import { type Socket, connect } from 'node:net';
import { nowMs } from './clock.js';
import { wordsPrompt } from './client.js';

export interface BurstPlan {
  host: string;
  port: number;
  /** Bursts, each sent `gapMs` after the previous one ended. */
  bursts: number;
  /** Requests per burst, all written in one tight loop. */
  burstSize: number;
  promptWords: number;
  maxTokens: number;
  gapMs: number;
  /** Bound on each burst's wait for its responses. */
  timeoutMs?: number;
  /** Number of the first burst (ids are `burst<n>-<i>`), to keep ids unique across plans. */
  firstBurst?: number;
}

export interface BurstSend {
  id: string;
  /** Epoch ms right before the request's socket.write. */
  sendMs: number;
  /** Whether the response ended with [DONE]. */
  done: boolean;
  /** Epoch ms when the first token event was read (the start of the 'data' callback). */
  firstTokenMs?: number;
}

interface ResponseSeen {
  done: boolean;
  firstTokenMs?: number;
}

function requestBuffer(host: string, port: number, id: string, promptWords: number, maxTokens: number): Buffer {
  const body = JSON.stringify({ model: 'm', prompt: wordsPrompt(promptWords, id), max_tokens: maxTokens, stream: true });
  const head =
    `POST /v1/completions HTTP/1.1\r\nhost: ${host}:${port}\r\ncontent-type: application/json\r\n` +
    `x-request-id: ${id}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return Buffer.from(head + body);
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Node accepts about one connection per event-loop turn: give the server time to take them all. */
const ACCEPT_SETTLE_MS = 200;

/**
 * Resolves when the (chunked, keep-alive) response ends after [DONE] (done) or the connection
 * closes first, with the read stamp of the first token event.
 */
function awaitResponse(s: Socket): Promise<ResponseSeen> {
  return new Promise((resolve) => {
    let tail = '';
    let seen = false;
    let firstTokenMs: number | undefined;
    const finish = (ok: boolean): void => {
      s.off('data', onData);
      s.off('close', onClose);
      resolve({ done: ok, firstTokenMs });
    };
    const onData = (d: string): void => {
      const readMs = nowMs();
      if (firstTokenMs === undefined && (tail + d).includes('data: {')) firstTokenMs = readMs;
      tail = (tail + d).slice(-128);
      if (!seen && tail.includes('data: [DONE]')) seen = true;
      if (seen && tail.endsWith('\r\n0\r\n\r\n')) finish(true);
    };
    const onClose = (): void => finish(false);
    s.on('data', onData);
    s.on('close', onClose);
  });
}

async function sendBurst(plan: BurstPlan, sockets: Socket[], burst: number): Promise<BurstSend[]> {
  const ids = sockets.map((_, i) => `burst${burst}-${i}`);
  const buffers = ids.map((id) => requestBuffer(plan.host, plan.port, id, plan.promptWords, plan.maxTokens));
  const responses = sockets.map(awaitResponse);
  const sends: BurstSend[] = [];
  for (let i = 0; i < sockets.length; i++) {
    const sendMs = nowMs();
    sockets[i].write(buffers[i]);
    sends.push({ id: ids[i], sendMs, done: false });
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, plan.timeoutMs ?? 30_000)));
  await Promise.race([Promise.all(responses).then((all) => all.forEach((r, i) => Object.assign(sends[i], r))), timeout]);
  clearTimeout(timer);
  return sends;
}

/** Sends every burst of the plan; returns one entry per request. */
export async function sendBursts(plan: BurstPlan): Promise<BurstSend[]> {
  const sockets = await Promise.all(Array.from({ length: plan.burstSize }, () => open(plan.host, plan.port)));
  for (const s of sockets) {
    s.setEncoding('utf8');
    s.on('error', () => {});
  }
  try {
    await new Promise((r) => setTimeout(r, ACCEPT_SETTLE_MS));
    const out: BurstSend[] = [];
    for (let b = 0; b < plan.bursts; b++) {
      if (b > 0) await new Promise((r) => setTimeout(r, plan.gapMs));
      out.push(...(await sendBurst(plan, sockets, (plan.firstBurst ?? 0) + b)));
    }
    return out;
  } finally {
    for (const s of sockets) s.destroy();
  }
}
