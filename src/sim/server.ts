// The HTTP side: routes, body reading, request ids, fault choice, and graceful shutdown.
// Listens on loopback by default. Never lets a bad client take the process down: every
// request-level failure becomes an OpenAI-style error response or an aborted record.

import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ArrivalStamps } from './arrival.js';
import { Engine } from './engine.js';
import { ApiError } from './errors.js';
import type { Flavor } from './flavors/flavor.js';
import { attachFlavorMetrics } from './flavors/flavor-metrics.js';
import { errorJson, modelsJson, tokenizeJson, tokenizePaths } from './flavors/http.js';
import { Exchange, type SimContext, recordRejected } from './exchange.js';
import { type FaultPlan, FaultSpecError, drawFault, parseFaultSpec } from './faults.js';
import type { GroundTruthSink } from './ground-truth.js';
import { SimMetrics } from './metrics.js';
import { SimGpuTelemetry } from './dcgm.js';
import type { SimOptions } from './options.js';
import type { PrepOutcome } from './prepare.js';
import { ResponseStore } from './endpoints/response-store.js';
import { responsesId } from './endpoints/responses-sse.js';
import { startPreparer } from './preparer.js';
import { getTokenizer } from './tokenizer.js';
import { parseJsonBody } from './validate.js';
import type { Endpoint } from './validate.js';

export interface SimServer {
  server: Server;
  ctx: SimContext;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish up to the grace period, aborts the rest. */
  shutdown(graceMs?: number): Promise<void>;
}

/** Where the simulated DCGM exporter answers (src/sim/dcgm.ts). */
export const DCGM_PATH = '/dcgm/metrics';

const ENDPOINTS = new Set<string>(['/v1/chat/completions', '/v1/completions', '/v1/messages', '/v1/responses', '/v1/embeddings', '/v1/rerank']);
const GET_PATHS = new Set(['/v1/models', '/health', '/metrics', '/version', '/ping', DCGM_PATH]);

/** The body field holding the prompt, per endpoint (named in a too-long prompt's 400). */
const PROMPT_FIELD: Record<Endpoint, string> = {
  '/v1/chat/completions': 'messages', '/v1/completions': 'prompt', '/v1/messages': 'messages', '/v1/responses': 'input', '/v1/embeddings': 'input', '/v1/rerank': 'documents',
};

let idCounter = 0;
const idPrefix = `sim-${process.pid.toString(36)}-${Date.now().toString(36)}-`;

function sendJson(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

function sendError(flavor: Flavor, res: ServerResponse, e: ApiError, extra: Record<string, string> = {}): void {
  sendJson(res, e.status, errorJson(flavor, e.status, e.message, e.param), extra);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new ApiError(413, `request body larger than ${limit} bytes (--max-body-mb)`, 'body'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(e);
      }
    });
    req.on('aborted', () => {
      if (!failed) {
        failed = true;
        reject(new Error('client aborted while sending the body'));
      }
    });
  });
}

export async function startServer(opts: SimOptions, gt: GroundTruthSink): Promise<SimServer> {
  const engine = new Engine(opts.engine);
  const tiers = engine.scheduler.tiers;
  const numCpuBlocks = tiers?.tiers.find((t) => t.name === 'cpu')?.capacityBlocks;
  const metrics = new SimMetrics(opts.model, opts.maxModelLen, { blockSize: opts.engine.blockSize, numGpuBlocks: opts.engine.kvBlocks, enablePrefixCaching: opts.engine.prefixCaching, numCpuBlocks }, opts.engine.timeScale);
  if (tiers) metrics.enableOffload(tiers, engine.scheduler.kv);
  attachFlavorMetrics(opts.flavor, metrics, engine.scheduler, { model: opts.model, maxModelLen: opts.maxModelLen, blockSize: opts.engine.blockSize, kvBlocks: opts.engine.kvBlocks });
  const ctx: SimContext = { opts, engine, metrics, gt, inflight: new Set() };
  // Parsing and tokenizing run off the thread that stamps arrivals and writes tokens.
  const responseStore = new ResponseStore();
  const preparer = await startPreparer(opts.prepThreads, {
    tokenizer: opts.tokenizer,
    servedModel: opts.model,
    strictModel: opts.strictModel,
    defaultMaxTokens: opts.defaultMaxTokens,
    chatTemplateTokens: opts.chatTemplateTokens,
    maxModelLen: opts.maxModelLen,
    flavor: opts.flavor,
    hashBlockSize: opts.engine.prefixCaching ? opts.engine.blockSize : 0,
  });
  const startedAt = Math.floor(Date.now() / 1000);
  // Samples every 10 ms how late a timer fires: how long the loop was blocked, which delays
  // arrival timestamps as much as token writes.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const arrivals = new ArrivalStamps();
  const gpu = new SimGpuTelemetry(() => ({ running: engine.scheduler.runningCount, maxSeqs: opts.engine.maxNumSeqs }));

  async function handleCompletion(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, id: string, arrivalMs: number): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, opts.maxBodyBytes);
    } catch (e) {
      if (e instanceof ApiError) {
        sendError(opts.flavor, res, e, { connection: 'close' });
        recordRejected(ctx, id, endpoint, arrivalMs, e.status);
      } else {
        res.destroy();
        recordRejected(ctx, id, endpoint, arrivalMs, 499);
      }
      return;
    }
    let storeInput: Record<string, unknown>[] | undefined;
    if (endpoint === '/v1/responses') {
      try {
        ({ body, storeInput } = responseStore.resolve(body));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        sendError(opts.flavor, res, e);
        recordRejected(ctx, id, endpoint, arrivalMs, e.status);
        return;
      }
    }
    admit(req, res, endpoint, id, arrivalMs, await preparer.prepare(endpoint, body), storeInput);
  }

  /** Hands a prepared request to the engine, or answers its error. */
  function admit(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, id: string, arrivalMs: number, outcome: PrepOutcome, storeInput?: Record<string, unknown>[]): void {
    if (!outcome.ok) {
      sendError(opts.flavor, res, outcome.error);
      recordRejected(ctx, id, endpoint, arrivalMs, outcome.error.status, outcome.stream);
      return;
    }
    const { spec, promptHashes, prepUs } = outcome.prepared;
    const stream = spec.stream;
    try {
      for (const ids of spec.prompts) {
        const why = engine.scheduler.rejectReason(ids.length, spec.maxTokens);
        if (why) throw new ApiError(400, why, PROMPT_FIELD[endpoint]);
      }
      const reasoningText = header(req, 'x-sim-reasoning');
      let reasoningTokens = Math.min(opts.reasoningTokens, spec.maxTokens);
      if (reasoningText !== undefined) {
        if (!/^\d+$/.test(reasoningText.trim())) throw new ApiError(400, `x-sim-reasoning: expected a whole number of tokens, got "${reasoningText}"`, 'x-sim-reasoning');
        reasoningTokens = Math.min(Number(reasoningText), spec.maxTokens);
      }
      const toolText = header(req, 'x-sim-tool-call');
      const toolCall = toolText !== undefined && /^(1|true|yes)$/i.test(toolText.trim());
      let fault: FaultPlan | undefined;
      const faultText = opts.faultHeader ? header(req, 'x-sim-fault') : undefined;
      if (faultText !== undefined && faultText.trim() !== '') {
        try {
          fault = parseFaultSpec(faultText);
        } catch (e) {
          if (e instanceof FaultSpecError) throw new ApiError(400, `x-sim-fault: ${e.message}`, 'x-sim-fault');
          throw e;
        }
      } else fault = drawFault(opts.seed, id, opts.faultRate, opts.faultKinds);
      if (res.destroyed) {
        recordRejected(ctx, id, endpoint, arrivalMs, 499, stream);
        return;
      }
      // SGLang reads the request id from the body's rid (serving_chat.py:1395), not a header.
      const requestId = opts.flavor === 'sglang' && spec.rid ? spec.rid : id;
      // store: true keeps the finished response for a later previous_response_id (its id as ResponsesBodies writes it).
      const onDone = storeInput && ((status: number, tokens: number) => {
        if (status === 200) responseStore.keep(responsesId(requestId), storeInput, reasoningTokens, tokens);
      });
      new Exchange(ctx, res, { id: requestId, arrivalMs, prepUs, spec, promptHashes, fault, reasoningTokens, toolCall, onDone }).start();
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, `internal error: ${(e as Error).message}`);
      sendError(opts.flavor, res, err);
      recordRejected(ctx, id, endpoint, arrivalMs, err.status, stream);
    }
  }

  const tokenizer = getTokenizer(opts.tokenizer);
  const tokenizeAt = new Set(tokenizePaths(opts.flavor));

  /** The flavor's tokenize endpoint (--calibrate counts tokens through it). */
  async function handleTokenize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = parseJsonBody((await readBody(req, opts.maxBodyBytes)).toString('utf8'));
      const answer = tokenizeJson(opts.flavor, body, tokenizer, opts.maxModelLen);
      if ('error' in answer) throw new ApiError(400, answer.error, 'prompt');
      sendJson(res, 200, answer.ok);
    } catch (e) {
      if (e instanceof ApiError) sendError(opts.flavor, res, e);
      else res.destroy();
    }
  }

  function handleGet(res: ServerResponse, path: string): void {
    switch (path) {
      case '/health':
      case '/ping':
        res.writeHead(200, { 'content-length': 0 });
        res.end();
        return;
      case '/version':
        sendJson(res, 200, JSON.stringify({ version: 'k6-llm-replay-sim' }));
        return;
      case '/v1/models':
        sendJson(res, 200, modelsJson(opts.flavor, opts.model, startedAt, opts.maxModelLen));
        return;
      case DCGM_PATH: {
        const text = gpu.render();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      case '/metrics': {
        const sch = engine.scheduler;
        // The histogram holds the intervals between samples; the delay is what exceeds 10 ms.
        const ns = (v: number): number => (Number.isFinite(v) ? Math.max(0, v / 1e9 - 0.01) : 0);
        const text = metrics.render({ running: sch.runningCount, waiting: sch.waitingCount, kvUsage: sch.kv.stats().usage }, ctx.inflight.size, sch.stats.steps, {
          p50: ns(loopDelay.percentile(50)),
          p99: ns(loopDelay.percentile(99)),
          max: ns(loopDelay.max),
        });
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const arrivalMs = arrivals.take(req.socket);
    req.once('end', () => arrivals.bodyEnded(req.socket));
    const id = header(req, 'x-request-id') || idPrefix + (++idCounter).toString(36);
    res.setHeader('x-request-id', id);
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (ENDPOINTS.has(path)) {
        if (req.method !== 'POST') return sendError(opts.flavor, res, new ApiError(405, `${req.method} not allowed on ${path}; use POST`), { allow: 'POST' });
        void handleCompletion(req, res, path as Endpoint, id, arrivalMs);
        return;
      }
      if (GET_PATHS.has(path)) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(opts.flavor, res, new ApiError(405, `${req.method} not allowed on ${path}; use GET`), { allow: 'GET' });
        req.resume();
        return handleGet(res, path);
      }
      if (tokenizeAt.has(path) && req.method === 'POST') {
        void handleTokenize(req, res);
        return;
      }
      req.resume();
      sendError(opts.flavor, res, new ApiError(404, `no route for ${req.method} ${path}`));
    } catch (e) {
      sendError(opts.flavor, res, new ApiError(500, `internal error: ${(e as Error).message}`));
    }
  };

  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 70_000, requestTimeout: 0, noDelay: true }, onRequest);
  arrivals.watch(server);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  let closing: Promise<void> | undefined;
  const shutdown = (graceMs = opts.shutdownGraceMs): Promise<void> => {
    if (closing) return closing;
    closing = (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (ctx.inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const ex of [...ctx.inflight]) ex.abort();
      engine.stop();
      gpu.stop();
      loopDelay.disable();
      server.closeAllConnections();
      await preparer.close();
      await closed;
      await gt.close();
    })();
    return closing;
  };

  return { server, ctx, port, url: `http://${hostForUrl}:${port}`, shutdown };
}
