// The engine's scheduler, after vLLM v1's: every step it first advances running sequences
// (one decode token each, or the next chunk of a prompt), preempting the newest running
// sequence (recompute) when KV blocks run out, then admits waiting sequences FCFS while
// max_num_seqs, the token budget (max_num_batched_tokens) and KV capacity allow. Cached prefix
// blocks are skipped: only uncached prompt tokens are computed (chunked prefill). Pure: time
// is passed in, nothing here sleeps or writes.

import { type CostModel, type StepShape, stepTimeMs } from './cost-model.js';
import { KvTiers, type OffloadConfig, type TokensByTier } from './kv-tiers.js';
import { type KvOwner, KvCache, blockHash } from './prefix-cache.js';
import { fnv1a32 } from './tokenizer.js';

export interface SchedulerConfig {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  blockSize: number;
  kvBlocks: number;
  prefixCaching: boolean;
  /** Split prompts longer than the step budget across steps (vLLM's chunked prefill). */
  chunkedPrefill: boolean;
  /**
   * 'recompute': allocate KV as tokens are computed; when a running sequence cannot grow, the
   * newest running sequence is preempted (its KV freed, recomputed later), as vLLM v1 does.
   * 'reserve': reserve KV for prompt + max_tokens at admission; never preempts.
   */
  preemption: 'recompute' | 'reserve';
  cost: CostModel;
  /** CPU / disk KV tiers below the GPU blocks (off when absent). */
  offload?: OffloadConfig;
  /** Wall ms per model ms, for the KV loads the scheduler itself waits out (default 1). */
  timeScale?: number;
}

/** Receives what happens to a sequence; implemented by the HTTP side. */
export interface SeqSink {
  /** First admission (leaves the waiting queue for the first time). */
  admitted?(seq: Seq): void;
  /** Token `index` (0-based) was generated at the end of a step that was due at `dueMs`. */
  token(seq: Seq, index: number, dueMs: number): void;
  preempted?(seq: Seq): void;
}

export type SeqState = 'new' | 'waiting' | 'running' | 'finished' | 'aborted';

/** Words the simulated model generates, in order (token i is OUTPUT_WORDS[i % length]). */
export const OUTPUT_WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et ' +
  'dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea ' +
  'commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat nulla pariatur'
).split(' ');
const OUTPUT_IDS = OUTPUT_WORDS.map((w) => fnv1a32(w));

export function outputWord(i: number): string {
  return OUTPUT_WORDS[i % OUTPUT_WORDS.length];
}

let nextSeqId = 1;

export class Seq implements KvOwner {
  readonly id = nextSeqId++;
  /** Token ids: the prompt, then every generated token. */
  readonly ids: number[];
  readonly promptLen: number;
  readonly maxTokens: number;
  state: SeqState = 'new';
  numComputed = 0;
  numOutput = 0;
  blocks: number[] = [];
  numCachedBlocks = 0;
  /** Prefix-cache hit tokens at first admission (-1 until then); what usage reports. */
  cachedTokens = -1;
  /** With KV offload: `cachedTokens` split by where the blocks were (set with it). */
  cachedByTier: TokensByTier | undefined;
  /** With KV offload: wall ms it waited for KV loads before computing. */
  loadWaitMs = 0;
  preemptions = 0;
  /** Hashes of full blocks of `ids`, computed lazily. */
  hashes: number[] = [];
  /** Pause after this many tokens (a stall fault), for `pauseMs` model ms. */
  pauseAfter = -1;
  pauseMs = 0;
  pausedUntil = 0;

  /** `promptHashes`: the prompt's full-block hashes when computed ahead (a prep thread). */
  constructor(
    promptIds: readonly number[],
    maxTokens: number,
    readonly sink: SeqSink,
    promptHashes?: readonly number[],
  ) {
    if (promptIds.length < 1) throw new Error('a sequence needs at least one prompt token');
    if (!(maxTokens >= 1)) throw new Error('a sequence needs max_tokens >= 1');
    this.ids = promptIds.slice();
    if (promptHashes) this.hashes = promptHashes.slice();
    this.promptLen = promptIds.length;
    this.maxTokens = maxTokens;
  }

  /** Tokens whose KV the sequence needs now: prompt + generated. */
  get total(): number {
    return this.promptLen + this.numOutput;
  }

  ensureHashes(blocks: number, blockSize: number): void {
    for (let i = this.hashes.length; i < blocks; i++) {
      const parent = i === 0 ? 0 : this.hashes[i - 1];
      this.hashes.push(blockHash(parent, this.ids, i * blockSize, (i + 1) * blockSize));
    }
  }
}

export interface StepItem {
  seq: Seq;
  numNew: number;
}

export interface StepPlan extends StepShape {
  items: StepItem[];
  /** Model milliseconds the step takes (before time scaling). */
  durationMs: number;
  admitted: Seq[];
  preempted: Seq[];
}

export interface SchedulerStats {
  steps: number;
  prefixQueries: number;
  /** GPU-tier hits (vLLM's prefix_cache_hits); lower tiers count in `externalHits`. */
  prefixHits: number;
  externalHits: number;
  preemptions: number;
  promptTokensComputed: number;
  generatedTokens: number;
}

export class Scheduler {
  readonly kv: KvCache;
  private waiting: (Seq | undefined)[] = [];
  private waitHead = 0;
  private numWaiting = 0;
  readonly running: Seq[] = [];
  readonly stats: SchedulerStats = { steps: 0, prefixQueries: 0, prefixHits: 0, externalHits: 0, preemptions: 0, promptTokensComputed: 0, generatedTokens: 0 };
  readonly tiers: KvTiers | undefined;
  /** Called once per completed step with the tokens it computed and the sequences in it (metrics). */
  onStep: ((tokens: number, seqs: number) => void) | undefined;
  /** With tiers: when each GPU block's KV is in place (a load still under way), wall ms. */
  private readonly readyMs: Float64Array | undefined;

  constructor(readonly cfg: SchedulerConfig) {
    this.kv = new KvCache(cfg.kvBlocks, cfg.blockSize, cfg.prefixCaching);
    if (cfg.offload && cfg.prefixCaching) {
      const tiers = (this.tiers = new KvTiers(cfg.offload));
      const ready = (this.readyMs = new Float64Array(cfg.kvBlocks));
      this.kv.onEvict = (hash, block) => {
        ready[block] = 0;
        tiers.store(hash);
      };
    }
  }

  get waitingCount(): number {
    return this.numWaiting;
  }

  get runningCount(): number {
    return this.running.length;
  }

  /** Why a sequence could never run (too big for the KV cache or the step budget), or undefined. */
  rejectReason(promptLen: number, maxTokens: number): string | undefined {
    const blocks = Math.ceil((promptLen + maxTokens) / this.cfg.blockSize);
    if (blocks > this.cfg.kvBlocks)
      return `prompt (${promptLen} tokens) plus max_tokens (${maxTokens}) needs ${blocks} KV blocks of ${this.cfg.blockSize} tokens, but the KV cache has ${this.cfg.kvBlocks}`;
    if (!this.cfg.chunkedPrefill && promptLen + maxTokens > this.cfg.maxNumBatchedTokens)
      return `prompt plus output (${promptLen + maxTokens} tokens) exceeds max_num_batched_tokens (${this.cfg.maxNumBatchedTokens}) and chunked prefill is off`;
    return undefined;
  }

  add(seq: Seq): void {
    if (seq.state !== 'new') throw new Error(`seq ${seq.id} added twice`);
    const why = this.rejectReason(seq.promptLen, seq.maxTokens);
    if (why) throw new Error(why);
    seq.state = 'waiting';
    this.waiting.push(seq);
    this.numWaiting++;
  }

  /** Removes a sequence wherever it is and frees its KV. */
  abort(seq: Seq): void {
    if (seq.state === 'waiting') {
      this.numWaiting--;
      // Left in the array; skipped (and dropped) when it reaches the head.
    } else if (seq.state === 'running') {
      const i = this.running.indexOf(seq);
      if (i >= 0) this.running.splice(i, 1);
      this.kv.release(seq);
    } else if (seq.state === 'new') {
      // never added
    } else return;
    seq.state = 'aborted';
    seq.ids.length = 0;
    seq.hashes.length = 0;
  }

  /** True when a step would do something now (ignores paused sequences). */
  hasWork(nowMs: number): boolean {
    if (this.numWaiting > 0) return true;
    for (const s of this.running) if (!(s.pausedUntil > nowMs)) return true;
    return false;
  }

  /** Earliest time a paused sequence resumes, if any. */
  nextWakeMs(): number | undefined {
    let t: number | undefined;
    for (const s of this.running) if (s.pausedUntil > 0 && (t === undefined || s.pausedUntil < t)) t = s.pausedUntil;
    return t;
  }

  /** Plans the next step at time `nowMs` (model/wall ms; used only to skip paused sequences). */
  schedule(nowMs: number): StepPlan {
    const cfg = this.cfg;
    const bs = cfg.blockSize;
    let budget = cfg.maxNumBatchedTokens;
    const items: StepItem[] = [];
    const preempted: Seq[] = [];
    const admitted: Seq[] = [];
    let prefillTokens = 0;
    let decodeSeqs = 0;
    let contextTokens = 0;
    const take = (seq: Seq, numNew: number): void => {
      items.push({ seq, numNew });
      budget -= numNew;
      contextTokens += seq.numComputed + numNew;
      if (numNew === 1 && seq.numOutput > 0 && seq.numComputed === seq.total - 1) decodeSeqs++;
      else prefillTokens += numNew;
    };

    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const seq = this.running[i];
      if (seq.pausedUntil > nowMs) continue;
      seq.pausedUntil = 0;
      const need = seq.total - seq.numComputed;
      let numNew = cfg.chunkedPrefill ? Math.min(need, budget) : need <= budget ? need : 0;
      if (numNew <= 0) continue;
      while (!this.kv.allocate(seq, seq.numComputed + numNew)) {
        const victim = this.running[this.running.length - 1];
        this.preempt(victim);
        preempted.push(victim);
        if (victim === seq) {
          numNew = 0;
          break;
        }
      }
      if (numNew > 0) take(seq, numNew);
    }

    if (preempted.length === 0) {
      while (this.numWaiting > 0 && this.running.length < cfg.maxNumSeqs && budget > 0) {
        const seq = this.peekWaiting();
        if (!seq) break;
        let hit: number[] = [];
        let lower: number[] = [];
        let eligibleHashes: readonly number[] = [];
        const total = seq.total;
        if (seq.blocks.length === 0) {
          // vLLM never serves the whole prompt from cache: the last token is recomputed.
          const eligible = Math.floor((total - 1) / bs);
          seq.ensureHashes(eligible, bs);
          eligibleHashes = eligible === seq.hashes.length ? seq.hashes : seq.hashes.slice(0, eligible);
          hit = this.kv.lookup(eligibleHashes);
          // Below the GPU's run, the tiers may hold the next blocks (vLLM asks its connector the same).
          if (this.tiers) lower = this.tiers.lookup(eligibleHashes, hit.length);
        }
        const found = (hit.length + lower.length) * bs;
        const need = total - found;
        const numNew = cfg.chunkedPrefill ? Math.min(need, budget) : need <= budget ? need : 0;
        if (numNew <= 0) break;
        const hold = cfg.preemption === 'reserve' ? seq.promptLen + seq.maxTokens : found + numNew;
        // Tier hits become the most recent, so the blocks this allocation evicts push others down first.
        if (lower.length > 0) this.tiers!.touch(eligibleHashes, hit.length, lower);
        if (!this.kv.allocate(seq, hold, hit)) break;
        // A small tier may still have pushed some of them down or out: load what is there now.
        if (lower.length > 0) lower = this.tiers!.lookup(eligibleHashes, hit.length).slice(0, lower.length);
        const hitTokens = (hit.length + lower.length) * bs;
        this.popWaiting();
        seq.state = 'running';
        seq.numComputed = hitTokens;
        this.running.push(seq);
        const readyMs = this.readyMs ? this.loadHits(seq, eligibleHashes, hit, lower, nowMs) : 0;
        if (seq.cachedTokens < 0) {
          seq.cachedTokens = hitTokens;
          this.stats.prefixQueries += seq.promptLen;
          this.stats.prefixHits += hit.length * bs;
          this.stats.externalHits += lower.length * bs;
          admitted.push(seq);
        }
        // Waiting for its KV to arrive: it computes from the first step after that.
        if (readyMs > nowMs) {
          seq.pausedUntil = readyMs;
          seq.loadWaitMs += readyMs - nowMs;
        } else take(seq, numNew);
      }
    }

    const shape = { prefillTokens, decodeSeqs, contextTokens };
    return { items, ...shape, durationMs: items.length ? stepTimeMs(cfg.cost, shape) : 0, admitted, preempted };
  }

  /**
   * Applies a finished step at `endMs` (the step's due time): advances computed tokens, caches
   * full blocks, samples one token for every sequence whose KV caught up, finishes sequences
   * that reached max_tokens. Calls the sinks; returns the sequences that finished.
   */
  complete(plan: StepPlan, endMs: number): Seq[] {
    const bs = this.cfg.blockSize;
    const finished: Seq[] = [];
    this.stats.steps++;
    if (this.onStep) {
      let tokens = 0;
      for (const it of plan.items) tokens += it.numNew;
      this.onStep(tokens, plan.items.length);
    }
    for (const { seq, numNew } of plan.items) {
      if (seq.state !== 'running') continue; // aborted during the step
      seq.numComputed += numNew;
      const full = Math.floor(seq.numComputed / bs);
      if (full > seq.numCachedBlocks) {
        seq.ensureHashes(full, bs);
        this.kv.cacheFull(seq, seq.hashes, full);
      }
      if (seq.numComputed < seq.total) continue; // more prompt chunks to go
      if (seq.numOutput === 0) this.stats.promptTokensComputed += seq.promptLen;
      const index = seq.numOutput;
      seq.ids.push(OUTPUT_IDS[index % OUTPUT_IDS.length]);
      seq.numOutput++;
      this.stats.generatedTokens++;
      const done = seq.numOutput >= seq.maxTokens;
      if (done) {
        this.finish(seq);
        finished.push(seq);
      } else if (seq.numOutput === seq.pauseAfter && seq.pauseMs > 0) {
        seq.pausedUntil = endMs + seq.pauseMs;
      }
      seq.sink.token(seq, index, endMs);
    }
    return finished;
  }

  /**
   * With tiers: loads the `lower` blocks (after the GPU's `hit` run) into the sequence's new GPU
   * blocks and caches them there; records the split on first admission. Returns when the
   * sequence's KV is all in place: its own loads, and loads of GPU blocks it shares that are
   * still under way (another sequence's).
   */
  private loadHits(seq: Seq, hashes: readonly number[], hit: readonly number[], lower: readonly number[], nowMs: number): number {
    const ready = this.readyMs!;
    let readyMs = 0;
    for (const b of hit) if (ready[b] > readyMs) readyMs = ready[b];
    const byTier: TokensByTier = { gpu: hit.length * this.cfg.blockSize, cpu: 0, disk: 0 };
    if (lower.length > 0) {
      const load = this.tiers!.load(hashes, hit.length, lower, nowMs, this.cfg.timeScale ?? 1);
      this.tiers!.tiers.forEach((t, i) => (byTier[t.name] += load.blocks[i] * this.cfg.blockSize));
      const n = hit.length + lower.length;
      this.kv.cacheFull(seq, hashes, n);
      for (let i = hit.length; i < n; i++) ready[seq.blocks[i]] = load.doneMs;
      if (load.doneMs > readyMs) readyMs = load.doneMs;
    }
    if (seq.cachedByTier === undefined) seq.cachedByTier = byTier;
    return readyMs;
  }

  private finish(seq: Seq): void {
    const i = this.running.indexOf(seq);
    if (i >= 0) this.running.splice(i, 1);
    this.kv.release(seq);
    seq.state = 'finished';
    seq.ids.length = 0;
    seq.hashes.length = 0;
  }

  private preempt(seq: Seq): void {
    const i = this.running.lastIndexOf(seq);
    if (i >= 0) this.running.splice(i, 1);
    this.kv.release(seq);
    seq.numComputed = 0;
    seq.preemptions++;
    seq.state = 'waiting';
    this.stats.preemptions++;
    // Back to the head of the queue, as vLLM does (prepend_request).
    if (this.waitHead > 0) this.waiting[--this.waitHead] = seq;
    else this.waiting.unshift(seq);
    this.numWaiting++;
    seq.sink.preempted?.(seq);
  }

  private peekWaiting(): Seq | undefined {
    while (this.waitHead < this.waiting.length) {
      const s = this.waiting[this.waitHead];
      if (s && s.state === 'waiting') return s;
      this.waiting[this.waitHead++] = undefined;
    }
    return undefined;
  }

  private popWaiting(): void {
    this.waiting[this.waitHead++] = undefined;
    this.numWaiting--;
    if (this.waitHead > 1024 && this.waitHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitHead);
      this.waitHead = 0;
    }
  }
}
