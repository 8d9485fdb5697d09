// Streaming statistics of a trace: everything `trace stats` prints, computed record by record
// in memory that does not grow with the number of requests (except the infinite-cache model,
// which holds one entry per distinct block id, and per-session timing state).

import type { Stats } from '../../metrics/formulas';
import type { LatencyModel } from '../../schedule/openloop';
import type { TurnRecord } from '../records';
import { IntDistribution } from './int-distribution';
import { hitRate, PrefixCacheModel } from './prefix-cache';
import { PromptBlocks } from './prompt-blocks';
import { TimeBuckets } from './time-buckets';
import { DEFAULT_LATENCY, Timeline } from './timeline';

export interface StatsOptions {
  blockSize?: number;
  /** LRU capacity in blocks (0: only the infinite cache). */
  cacheBlocks?: number;
  latency?: LatencyModel;
  /** Target number of rows in the arrival-rate series. */
  rateWindows?: number;
}

export interface RateWindow {
  startS: number;
  requests: number;
  perSecond: number;
}

export interface TraceStatsResult {
  requests: number;
  sessions: number;
  subagentSessions: number;
  /** Requests whose token counts were estimated from text. */
  estimatedTokenRequests: number;
  /** Requests whose send time is derived from closed-loop waits and estimated latencies. */
  estimatedStartRequests: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
  durationS: number;
  meanRatePerS: number;
  arrivalsInFileOrder: boolean;
  rate: { windowS: number; windows: RateWindow[] };
  isl: Stats;
  osl: Stats;
  peakConcurrency: { estimate: number; resolutionMs: number; latency: LatencyModel };
  prefixReuse?: {
    blockSize: number;
    requestsWithBlocks: number;
    distinctBlocks: number;
    infiniteHitRate: number;
    lru?: { capacityBlocks: number; hitRate: number };
  };
}

const CONCURRENCY_BUCKETS = 1 << 20;
const RATE_BUCKETS = 1 << 14;

export class TraceStats {
  private requests = 0;
  private sessions = 0;
  private subagents = 0;
  private estimatedTokens = 0;
  private estimatedStarts = 0;
  private first = Infinity;
  private last = -Infinity;
  private prevStart = -Infinity;
  private inOrder = true;
  private readonly isl = new IntDistribution();
  private readonly osl = new IntDistribution();
  private readonly arrivals = new TimeBuckets(RATE_BUCKETS, 1000, false);
  private readonly inflight = new TimeBuckets(CONCURRENCY_BUCKETS, 1, true);
  private readonly timeline: Timeline;
  private cache?: PrefixCacheModel;
  private blocks?: PromptBlocks;
  private withBlocks = 0;

  constructor(private readonly o: StatsOptions = {}) {
    this.timeline = new Timeline(o.latency ?? DEFAULT_LATENCY);
  }

  add(r: TurnRecord, blockSize?: number): void {
    this.requests++;
    // Every session yields exactly one turnIndex 0: counting them needs no set of ids.
    if (r.turnIndex === 0) {
      this.sessions++;
      if (r.session.parentId !== undefined) this.subagents++;
    }
    const { turn } = r;
    if (turn.estimatedTokens) this.estimatedTokens++;
    this.isl.add(turn.inputTokens);
    this.osl.add(turn.outputTokens);
    const times = this.timeline.next(r);
    if (times.estimatedStart) this.estimatedStarts++;
    if (times.startMs < this.prevStart) this.inOrder = false;
    this.prevStart = times.startMs;
    this.first = Math.min(this.first, times.startMs);
    this.last = Math.max(this.last, times.startMs);
    this.arrivals.add(times.startMs);
    this.inflight.addInterval(times.startMs, times.endMs);
    this.addBlocks(r, this.o.blockSize ?? blockSize);
  }

  private addBlocks(r: TurnRecord, blockSize: number | undefined): void {
    if (blockSize === undefined) return;
    if (!this.cache) {
      this.cache = new PrefixCacheModel(blockSize, this.o.cacheBlocks ?? 0);
      this.blocks = new PromptBlocks(blockSize);
    }
    const ids = this.blocks!.of(r);
    if (!ids) return;
    this.withBlocks++;
    this.cache.add(ids.prompt, r.turn.inputTokens, ids.cached);
  }

  result(): TraceStatsResult {
    const latency = this.o.latency ?? DEFAULT_LATENCY;
    const durationS = this.requests ? (this.last - this.first) / 1000 : 0;
    const out: TraceStatsResult = {
      requests: this.requests,
      sessions: this.sessions,
      subagentSessions: this.subagents,
      estimatedTokenRequests: this.estimatedTokens,
      estimatedStartRequests: this.estimatedStarts,
      firstArrivalMs: this.requests ? this.first : NaN,
      lastArrivalMs: this.requests ? this.last : NaN,
      durationS,
      meanRatePerS: durationS > 0 ? this.requests / durationS : NaN,
      arrivalsInFileOrder: this.inOrder,
      rate: this.rateWindows(),
      isl: this.isl.stats(),
      osl: this.osl.stats(),
      peakConcurrency: { estimate: this.inflight.peakOverlap(), resolutionMs: this.inflight.resolutionMs, latency },
    };
    if (this.cache && this.withBlocks > 0) {
      out.prefixReuse = {
        blockSize: this.cache.blockSize,
        requestsWithBlocks: this.withBlocks,
        distinctBlocks: this.cache.distinctBlocks,
        infiniteHitRate: hitRate(this.cache.infinite),
      };
      if (this.cache.capacityBlocks > 0) out.prefixReuse.lru = { capacityBlocks: this.cache.capacityBlocks, hitRate: hitRate(this.cache.bounded) };
    }
    return out;
  }

  /** Arrivals per window, windows merged to about `rateWindows` rows. */
  private rateWindows(): { windowS: number; windows: RateWindow[] } {
    const { startMs, widthMs, counts } = this.arrivals.series();
    const target = this.o.rateWindows ?? 24;
    const merge = Math.max(1, Math.ceil(counts.length / target));
    const windowS = (widthMs * merge) / 1000;
    const windows: RateWindow[] = [];
    for (let i = 0; i < counts.length; i += merge) {
      const requests = counts.slice(i, i + merge).reduce((a, b) => a + b, 0);
      windows.push({ startS: (startMs + i * widthMs) / 1000, requests, perSecond: requests / windowS });
    }
    return { windowS, windows };
  }
}
