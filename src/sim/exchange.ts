// One HTTP completion request from validation to its ground-truth record: feeds its prompts to
// the engine as sequences, writes each generated token to the client the moment the engine
// produces it, applies its fault, observes the metrics and writes the record. Per-request state
// lives here and is dropped when the request ends (bounded memory on long runs).

import type { ServerResponse } from 'node:http';
import { nowMs } from './clock.js';
import type { Engine } from './engine.js';
import { errorJson } from './flavors/http.js';
import { type FaultPlan, faultKinds, resolvePos } from './faults.js';
import { type GroundTruthRecord, type GroundTruthSink, TokenTimes } from './ground-truth.js';
import { HIT_TIERS, type TokensByTier } from './kv-tiers.js';
import type { SimMetrics } from './metrics.js';
import type { SimOptions } from './options.js';
import { Seq, type SeqSink } from './scheduler.js';
import type { Usage } from './sse.js';
import { bodiesFor } from './endpoints/bodies.js';
import type { StreamBodies } from './endpoints/stream-bodies.js';
import { embeddingsBody, rerankBody } from './endpoints/pooling-body.js';
import { ChunkGroups } from './chunk-groups.js';
import { isPoolingPath, type SimRequestSpec } from './validate.js';

export interface SimContext {
  opts: SimOptions;
  engine: Engine;
  metrics: SimMetrics;
  gt: GroundTruthSink;
  inflight: Set<Exchange>;
}

export interface ExchangeInit {
  id: string;
  arrivalMs: number;
  /** Microseconds spent parsing, tokenizing and validating the body. */
  prepUs: number;
  spec: SimRequestSpec;
  /** Full-block hashes of each prompt, computed with the engine's block size by the prep step. */
  promptHashes?: number[][];
  fault?: FaultPlan;
  reasoningTokens: number;
  toolCall: boolean;
  /** Called once when the exchange ends: its status and the output tokens sent (the Responses store). */
  onDone?: (status: number, completionTokens: number) => void;
}

/** Writes the record of a request that never reached the engine (400, 413, ...). */
export function recordRejected(ctx: SimContext, id: string, endpoint: string, arrivalMs: number, status: number, stream = false): void {
  const r: GroundTruthRecord = {
    id,
    endpoint,
    model: '',
    status,
    fault: null,
    arrivalMs: round(arrivalMs),
    queueExitMs: null,
    firstTokenMs: null,
    tokenMs: [],
    finishMs: round(nowMs()),
    promptTokens: 0,
    cachedTokens: 0,
    completionTokens: 0,
    maxTokens: 0,
    finishReason: null,
    stream,
    preemptions: 0,
    lateUs: [],
  };
  ctx.gt.write(r);
  ctx.metrics.gtRecords.inc(ctx.metrics.labels);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export class Exchange implements SeqSink {
  private done = false;
  private status = 0;
  private readonly times = new TokenTimes();
  private readonly lateUs: number[] = [];
  private queueExitMs: number | null = null;
  private readonly seqs: Seq[] = [];
  private readonly perChoice: number[];
  private finishedSeqs = 0;
  private roleSent = false;
  private lastTokenMs = 0;
  private readonly bodies: StreamBodies;
  /** Embeddings and rerank: prompts only, the engine's one step per prompt is never sent. */
  private readonly pooling: boolean;
  private pooledSeqs = 0;
  private readonly groups: ChunkGroups;
  private readonly cutAt?: number;
  private readonly malformedAt?: number;
  private readonly midErrorAt?: number;
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly stream: boolean;
  /** Time of the last hand-over to the socket (set just before res.end). */
  private finishMs: number | undefined;

  constructor(
    private readonly ctx: SimContext,
    private readonly res: ServerResponse,
    private readonly init: ExchangeInit,
  ) {
    const { spec, fault } = init;
    this.stream = spec.stream;
    this.perChoice = spec.prompts.map(() => 0);
    this.pooling = isPoolingPath(spec.endpoint);
    this.bodies = bodiesFor(ctx.opts.flavor, {
      endpoint: spec.endpoint,
      id: init.id,
      model: spec.model,
      created: Math.floor(init.arrivalMs / 1000),
      reasoningTokens: init.reasoningTokens,
      toolCall: init.toolCall,
      separateFinishChunk: ctx.opts.separateFinishChunk,
      promptTokensDetails: ctx.opts.promptTokensDetails,
      includeUsage: spec.includeUsage,
    });
    this.groups = new ChunkGroups(ctx.opts.tokensPerChunk);
    const total = spec.maxTokens * spec.prompts.length;
    this.cutAt = resolvePos(fault?.cutAfter, total);
    this.malformedAt = resolvePos(fault?.malformedAfter, total);
    this.midErrorAt = resolvePos(fault?.midErrorAfter, total);
    res.on('error', () => {}); // a broken socket is handled by 'close'
    res.on('close', () => {
      if (!this.done) this.abort();
    });
  }

  /** Starts answering: after the slow-first-byte delay if any, else now. */
  start(): void {
    const { fault } = this.init;
    this.ctx.inflight.add(this);
    if (fault) for (const k of faultKinds(fault)) this.ctx.metrics.faults.inc([...this.ctx.metrics.labels, k]);
    const hold = fault?.slowFirstByteMs;
    if (hold !== undefined && hold > 0) {
      this.holdTimer = setTimeout(() => {
        this.holdTimer = undefined;
        this.begin();
      }, hold * this.ctx.opts.engine.timeScale);
    } else this.begin();
  }

  private begin(): void {
    if (this.done) return;
    const { spec, fault } = this.init;
    if (fault?.status !== undefined) {
      const body = errorJson(this.ctx.opts.flavor, fault.status, `simulated fault: ${fault.spec}`);
      this.status = fault.status;
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      if (fault.status === 429 || fault.status === 503) headers['retry-after'] = '1';
      this.res.writeHead(fault.status, headers);
      this.finishMs = nowMs();
      this.res.end(body);
      this.finish(null);
      return;
    }
    const stall = resolvePos(fault?.stallAfter, spec.maxTokens);
    for (const [i, ids] of spec.prompts.entries()) {
      const seq = new Seq(ids, spec.maxTokens, this, this.init.promptHashes?.[i]);
      if (fault?.stallMs !== undefined && stall !== undefined && stall >= 1 && stall < spec.maxTokens) {
        seq.pauseAfter = stall;
        seq.pauseMs = fault.stallMs;
      }
      this.seqs.push(seq);
    }
    if (this.stream) {
      this.status = 200;
      this.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      this.res.flushHeaders();
    }
    // Pause lengths are model ms; the engine works in scaled wall ms.
    for (const seq of this.seqs) {
      seq.pauseMs *= this.ctx.opts.engine.timeScale;
      this.ctx.engine.add(seq);
    }
  }

  admitted(seq: Seq): void {
    if (this.done) return;
    const m = this.ctx.metrics;
    m.admitted(seq.promptLen, seq.cachedTokens, seq.cachedByTier);
    if (seq.cachedByTier) m.offload?.admitted(seq.promptLen, seq.cachedByTier, seq.loadWaitMs);
    if (this.queueExitMs === null) {
      this.queueExitMs = nowMs();
      m.queue.observe(m.labels, (this.queueExitMs - this.init.arrivalMs) / 1000);
      if (this.ctx.opts.earlyRole && this.stream && !this.roleSent) {
        this.roleSent = true;
        const opening = this.bodies.opening();
        if (opening) this.res.write(opening);
      }
    }
  }

  preempted(): void {
    this.ctx.metrics.preemptions.inc(this.ctx.metrics.labels);
  }

  token(seq: Seq, index: number, dueMs: number): void {
    if (this.done) return;
    try {
      this.writeToken(seq, index, dueMs);
    } catch (e) {
      // A bug here must cost one request, never the server.
      process.stderr.write(`sim: request ${this.init.id}: ${(e as Error).stack ?? e}\n`);
      this.abort();
    }
  }

  private writeToken(seq: Seq, index: number, dueMs: number): void {
    if (this.pooling) return this.pooled();
    const res = this.res;
    const choice = this.seqs.indexOf(seq);
    const max = this.init.spec.maxTokens;
    const last = index === max - 1;
    const count = this.times.count;
    let t: number;
    let first = index;
    if (this.stream) {
      if (res.destroyed) return this.abort();
      // --tokens-per-chunk K: hold tokens back until K are ready (or the last, or the end of the reasoning).
      const group = this.groups.add(choice, index, last || this.bodies.isReasoning(index) !== this.bodies.isReasoning(index + 1));
      if (group === undefined) return;
      first = group.first;
      const n = group.count;
      const inGroup = (pos: number | undefined) => pos !== undefined && pos >= count && pos < count + n;
      if (inGroup(this.cutAt)) return this.cut();
      if (inGroup(this.midErrorAt)) return this.midError();
      let out = '';
      if (!this.roleSent) {
        this.roleSent = true;
        out += this.bodies.opening();
      }
      if (inGroup(this.malformedAt)) out += this.bodies.malformedChunk(choice, first);
      const usage = this.init.spec.continuousUsage ? { ...this.usage(), completionTokens: count + n } : undefined;
      out += this.bodies.tokenChunk(choice, first, max, last, n, usage);
      if (last && this.bodies.separateFinish) out += this.bodies.finishChunk(choice, this.usage(n));
      // Timestamp right before the hand-over: the client can never see the chunk earlier.
      t = nowMs();
      res.write(out);
    } else if (count === this.cutAt) {
      return this.cut();
    } else if (count === this.midErrorAt) {
      return this.midError();
    } else t = nowMs();
    // Every token of the chunk was handed over at t.
    for (let i = first; i <= index; i++) this.account(seq, choice, i, t, dueMs);
  }

  /** Ground truth and metrics of output token `index`, handed to the client at `t`. */
  private account(seq: Seq, choice: number, index: number, t: number, dueMs: number): void {
    const m = this.ctx.metrics;
    const L = m.labels;
    const count = this.times.count;
    this.times.push(t);
    const late = t - dueMs;
    this.lateUs.push(Math.round(late * 1000));
    m.lateness(late / 1000);
    m.hot.generationTokens.inc();
    if (index === 0) {
      m.promptTokens.inc(L, seq.promptLen);
      m.promptCached.inc(L, seq.cachedTokens);
      const t = seq.cachedByTier;
      m.promptBySource.inc([...L, 'local_cache_hit'], t ? t.gpu : seq.cachedTokens);
      if (t) m.promptBySource.inc([...L, 'external_kv_transfer'], t.cpu + t.disk);
      m.promptBySource.inc([...L, 'local_compute'], seq.promptLen - seq.cachedTokens);
    }
    if (count === 0) m.hot.ttft.observe((t - this.init.arrivalMs) / 1000);
    else m.hot.itl.observe((t - this.lastTokenMs) / 1000);
    this.lastTokenMs = t;
    this.perChoice[choice]++;
    if (index === this.init.spec.maxTokens - 1 && ++this.finishedSeqs === this.seqs.length) this.complete();
  }

  /** Every sequence reached max_tokens: end the response. */
  private complete(): void {
    const res = this.res;
    const total = this.times.count;
    if (this.stream) {
      if (this.cutAt === total) return this.cut();
      if (this.midErrorAt === total) return this.midError();
      let out = '';
      if (this.malformedAt === total) out += this.bodies.malformedChunk(0, total);
      out += this.bodies.closing(this.usage(), this.init.spec.includeUsage);
      this.finishMs = nowMs();
      res.end(out);
    } else {
      let body = this.bodies.fullBody(this.perChoice, this.usage(), 'length');
      if (this.malformedAt !== undefined && this.malformedAt <= total) body = body.slice(0, Math.max(1, body.length >> 1));
      this.status = 200;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      this.finishMs = nowMs();
      res.end(body);
    }
    this.finish('length');
  }

  /** A pooling prompt's forward step is done; the answer goes when every prompt's is. */
  private pooled(): void {
    if (++this.pooledSeqs < this.seqs.length) return;
    const { spec, id, arrivalMs } = this.init;
    if (this.cutAt !== undefined) return this.cut();
    if (this.midErrorAt !== undefined) return this.midError();
    let body = spec.endpoint === '/v1/rerank'
      ? rerankBody(id, spec.model, spec.prompts.length, spec.promptTokens)
      : embeddingsBody(id, spec.model, Math.floor(arrivalMs / 1000), spec.prompts.length, spec.promptTokens);
    if (this.malformedAt !== undefined) body = body.slice(0, Math.max(1, body.length >> 1));
    this.status = 200;
    this.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    this.finishMs = nowMs();
    this.res.end(body);
    this.ctx.metrics.promptTokens.inc(this.ctx.metrics.labels, spec.promptTokens);
    this.finish('stop');
  }

  /** The usage so far; `pending` = tokens being written that are not counted yet. */
  private usage(pending = 0): Usage {
    let cached = 0;
    for (const s of this.seqs) cached += Math.max(0, s.cachedTokens);
    const completionTokens = this.times.count + pending;
    const reasoningTokens = Math.min(this.init.reasoningTokens, completionTokens);
    return { promptTokens: this.init.spec.promptTokens, completionTokens, cachedTokens: cached, cachedByTier: this.cachedByTier(), reasoningTokens };
  }

  /** With KV tiers: the cached tokens of every prompt by tier (undefined without tiers). */
  private cachedByTier(): TokensByTier | undefined {
    if (!this.ctx.engine.scheduler.tiers) return undefined;
    const sum: TokensByTier = { gpu: 0, cpu: 0, disk: 0 };
    for (const s of this.seqs) if (s.cachedByTier) for (const t of HIT_TIERS) sum[t] += s.cachedByTier[t];
    return sum;
  }

  private stopSeqs(): void {
    for (const s of this.seqs) if (s.state === 'waiting' || s.state === 'running' || s.state === 'new') this.ctx.engine.abort(s);
  }

  /** The cut and reset faults: drop the connection without [DONE], closed (FIN) or reset (RST). */
  private cut(): void {
    this.stopSeqs();
    this.finishMs = nowMs();
    const reset = this.init.fault?.reset === true;
    if (reset && this.res.socket) this.res.socket.resetAndDestroy();
    else this.res.destroy();
    this.finish(reset ? 'reset' : 'cut');
  }

  /** The mid-error fault: an error event then [DONE] (streams), or a 500 (non-streamed). */
  private midError(): void {
    this.stopSeqs();
    const msg = `simulated fault: ${this.init.fault?.spec ?? 'mid-error'}`;
    if (this.stream) {
      const out = this.bodies.errorClose(msg);
      this.finishMs = nowMs();
      this.res.end(out);
    } else {
      const body = errorJson(this.ctx.opts.flavor, 500, msg);
      this.status = 500;
      this.res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      this.finishMs = nowMs();
      this.res.end(body);
    }
    this.finish('error');
  }

  /** The client went away (or the server is shutting down). Status stays 200 once sent; 499 before. */
  abort(): void {
    if (this.done) return;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.stopSeqs();
    this.status = this.status || 499;
    if (!this.res.destroyed) this.res.destroy();
    this.finish('abort');
  }

  private finish(finishReason: string | null): void {
    if (this.done) return;
    this.done = true;
    this.init.onDone?.(this.status, this.times.count);
    const finishMs = this.finishMs ?? nowMs();
    this.ctx.inflight.delete(this);
    const { spec, fault, id, arrivalMs } = this.init;
    const m = this.ctx.metrics;
    const L = m.labels;
    const reachedEngine = this.seqs.length > 0;
    if (reachedEngine) {
      m.requestSuccess.inc([...L, finishReason === 'length' || finishReason === 'stop' ? finishReason : 'abort']);
      m.e2e.observe(L, (finishMs - arrivalMs) / 1000);
      m.promptHist.observe(L, spec.promptTokens);
      m.genHist.observe(L, this.times.count);
      const first = this.times.firstMs;
      if (this.queueExitMs !== null) m.inference.observe(L, (finishMs - this.queueExitMs) / 1000);
      if (first !== null && this.queueExitMs !== null) {
        m.prefill.observe(L, (first - this.queueExitMs) / 1000);
        m.decode.observe(L, (finishMs - first) / 1000);
      }
    }
    let cached = 0;
    let preemptions = 0;
    let loadMs = 0;
    for (const s of this.seqs) {
      cached += Math.max(0, s.cachedTokens);
      preemptions += s.preemptions;
      loadMs = Math.max(loadMs, s.loadWaitMs);
    }
    const byTier = this.cachedByTier();
    if (reachedEngine) {
      const reason = finishReason === 'length' ? 'length' : 'abort';
      m.requestFinished({ stream: spec.stream, finishReason: reason, promptTokens: spec.promptTokens, cachedTokens: cached, cachedByTier: byTier, completionTokens: this.times.count, maxTokens: spec.maxTokens, preemptions, arrivalMs, firstTokenMs: this.times.firstMs, finishMs });
    }
    const r: GroundTruthRecord = {
      id,
      endpoint: spec.endpoint,
      model: spec.model,
      status: this.status,
      fault: fault?.spec ?? null,
      arrivalMs: round(arrivalMs),
      queueExitMs: this.queueExitMs === null ? null : round(this.queueExitMs),
      firstTokenMs: this.times.firstMs,
      tokenMs: this.times.gapsUs,
      finishMs: round(finishMs),
      promptTokens: spec.promptTokens,
      cachedTokens: cached,
      completionTokens: this.times.count,
      maxTokens: spec.maxTokens,
      finishReason,
      stream: spec.stream,
      preemptions,
      lateUs: this.lateUs,
      prepUs: this.init.prepUs,
      ...(byTier && { cachedTokensByTier: byTier, kvLoadMs: round(loadMs) }),
    };
    this.ctx.gt.write(r);
    m.gtRecords.inc(L);
    this.seqs.length = 0;
  }
}
