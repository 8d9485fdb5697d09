// The figures of the peers table, from what every tool leaves behind in the same shape: the
// simulator's ground truth (one record per request that reached it), the loopback capture's
// exchanges (scripts/bench/wire.ts) and the tool's own per-request records, when it writes any.
// Pure functions: the bench runs the processes, these only compute.

import type { GroundTruthRecord } from '../../../src/sim/ground-truth';
import type { WireExchange } from '../wire';
import { absDist, type Dist } from '../accuracy';
import { percentile } from '../../../src/metrics/formulas';

/** One request as a tool recorded it, read from its own output (peer-outputs.ts). */
export interface ToolRecord {
  /** The request id the tool sent (X-Request-ID), which the simulator and the wire carry. */
  id?: string;
  /** When the tool says it started the request, Unix ms (its wall clock). */
  startUnixMs: number;
  /** The tool's TTFT for it, ms; absent when it recorded none. */
  ttftMs?: number;
  /** Output tokens the tool counted (or took from the server's usage). */
  outputTokens?: number;
  ok: boolean;
  /**
   * The tool counts this request from the start of a connection it opened for it (as vLLM's
   * bench does). Undefined: it does whenever the request's connection began with it (tools
   * that open connections on demand).
   */
  fromConnect?: boolean;
}

/** A request of the replayed slice: when it is due after the first, and its max_tokens. */
export interface Scheduled {
  offsetMs: number;
  maxTokens: number;
}

/** A complete answer: HTTP 200 and every requested token sent. */
export function answered(g: GroundTruthRecord): boolean {
  return g.status === 200 && g.finishReason === 'length';
}

/**
 * Arrival minus schedule per request, ms. Arrivals carry no trace row number (the peers send no
 * id), so requests are paired by max_tokens, the k-th arrival asking for L tokens with the k-th
 * scheduled row asking for L: a dropped request shifts only its own group. The schedule's zero
 * is put where the most punctual request says it is (errors are lateness, >= 0), so a tool that
 * falls behind as the run goes on shows it, and one late first request does not shift the rest.
 */
export function arrivalErrors(schedule: readonly Scheduled[], truth: readonly GroundTruthRecord[]): number[] {
  const rows = new Map<number, number[]>();
  for (const s of [...schedule].sort((a, b) => a.offsetMs - b.offsetMs)) {
    const g = rows.get(s.maxTokens);
    if (g) g.push(s.offsetMs);
    else rows.set(s.maxTokens, [s.offsetMs]);
  }
  const taken = new Map<number, number>();
  const diffs: number[] = [];
  for (const g of [...truth].sort((a, b) => a.arrivalMs - b.arrivalMs)) {
    const group = rows.get(g.maxTokens);
    const k = taken.get(g.maxTokens) ?? 0;
    if (!group || k >= group.length) continue; // not a request of the slice (a tool's warm-up)
    taken.set(g.maxTokens, k + 1);
    diffs.push(g.arrivalMs - group[k]);
  }
  const zero = Math.min(...diffs);
  return diffs.map((d) => d - zero);
}

/** TTFT as the simulator saw it (first token written - request read), per answered request. */
export function groundTruthTtfts(truth: readonly GroundTruthRecord[]): number[] {
  return truth.filter((g) => answered(g) && g.firstTokenMs !== null).map((g) => g.firstTokenMs! - g.arrivalMs);
}

/**
 * Where a request starts on the wire, as the tool counts it: the SYN when the tool counts from
 * the connection's start (vLLM's bench convention, AIPerf's and our engine's for a request that
 * opened its connection), else the first request packet. A tool that does not say
 * (fromConnect undefined) gets the one nearer its own start stamp `atMs` (same wall clock).
 */
export function wireStart(w: WireExchange, r?: ToolRecord, atMs?: number): number {
  if (w.synMs === undefined) return w.sendMs;
  const fromConnect = r?.fromConnect ?? (atMs === undefined || Math.abs(atMs - w.synMs) < Math.abs(atMs - w.sendMs));
  return fromConnect ? w.synMs : w.sendMs;
}

export interface WireMatch {
  /** Tool records paired with a captured exchange. */
  matched: number;
  /** Tool TTFT - (first token packet - wireStart), ms, per matched request. */
  ttftErrors: number[];
}

/**
 * Pairs the tool's records with the captured exchanges: by request id when the tool sent one
 * (AIPerf's X-Request-ID; our engine's). Otherwise by time: each record takes the unpaired exchange whose request packet is nearest
 * its start (both on this machine's wall clock; wireStart) among those with the same output token count
 * (from the simulator's record of that exchange), within `windowMs`. Records are taken in start
 * order; the clock offset (the median of start - wire start over a first pass) is removed first.
 */
export function matchWire(records: readonly ToolRecord[], wire: ReadonlyMap<string, WireExchange>, truth: ReadonlyMap<string, GroundTruthRecord>, windowMs = 250): WireMatch {
  const exchanges = [...wire.values()].filter((w) => w.firstTokenMs !== undefined).sort((a, b) => wireStart(a) - wireStart(b));
  /** [record, exchange, where the exchange starts for that record] */
  const pair = (offsetMs: number): Array<[ToolRecord, WireExchange, number]> => {
    const used = new Set<WireExchange>();
    const out: Array<[ToolRecord, WireExchange, number]> = [];
    for (const r of [...records].filter((x) => x.ok && x.ttftMs !== undefined).sort((a, b) => a.startUnixMs - b.startUnixMs)) {
      const byId = r.id !== undefined ? wire.get(r.id) : undefined;
      if (byId) {
        if (byId.firstTokenMs !== undefined && !used.has(byId)) {
          used.add(byId);
          out.push([r, byId, wireStart(byId, r, r.startUnixMs - offsetMs)]);
        }
        continue;
      }
      const at = r.startUnixMs - offsetMs;
      let best: WireExchange | undefined;
      for (const w of exchanges) {
        if (used.has(w) || Math.abs(wireStart(w, r, at) - at) > windowMs) continue;
        const tokens = truth.get(w.id)?.completionTokens;
        if (r.outputTokens !== undefined && tokens !== undefined && tokens !== r.outputTokens) continue;
        if (!best || Math.abs(wireStart(w, r, at) - at) < Math.abs(wireStart(best, r, at) - at)) best = w;
      }
      if (best) {
        used.add(best);
        out.push([r, best, wireStart(best, r, at)]);
      }
    }
    return out;
  };
  // First pass: tools on the wall clock sit within a few ms; one on another clock (inference-perf's
  // monotonic seconds) is put in place by its first request against the first exchange.
  const noId = records.filter((r) => r.id === undefined && r.ok).map((r) => r.startUnixMs);
  const guess = noId.length && exchanges.length ? Math.min(...noId) - wireStart(exchanges[0]) : 0;
  const first = pair(Math.abs(guess) > windowMs ? guess : 0);
  const offsets = first.filter(([r]) => r.id === undefined).map(([r, , start]) => r.startUnixMs - start).sort((a, b) => a - b);
  const offset = offsets.length ? offsets[Math.floor(offsets.length / 2)] : 0;
  const pairs = pair(offset);
  return { matched: pairs.length, ttftErrors: pairs.map(([r, w, start]) => r.ttftMs! - (w.firstTokenMs! - start)) };
}

export interface RateLevel {
  /** Asked rate, req/s. */
  rate: number;
  planned: number;
  /** Requests the simulator read. */
  arrived: number;
  /** Of them, answered completely. */
  answered: number;
  /** Rate the simulator saw: (arrivals - 1) / (last - first arrival). */
  achieved: number;
  held: boolean;
}

/** A level holds when every planned request arrived and was answered, at the asked rate +- 5 %. */
export function rateLevel(rate: number, planned: number, truth: readonly GroundTruthRecord[]): RateLevel {
  const t = truth.map((g) => g.arrivalMs).sort((a, b) => a - b);
  const spanS = t.length > 1 ? (t[t.length - 1] - t[0]) / 1000 : 0;
  const achieved = spanS > 0 ? (t.length - 1) / spanS : 0;
  const ok = truth.filter(answered).length;
  return { rate, planned, arrived: t.length, answered: ok, achieved, held: t.length === planned && ok === planned && Math.abs(achieved - rate) <= 0.05 * rate };
}

/** The highest level held, going up the ladder; 0 when the first fails. */
export function highestHeld(levels: readonly RateLevel[]): number {
  let best = 0;
  for (const l of [...levels].sort((a, b) => a.rate - b.rate)) {
    if (!l.held) break;
    best = l.rate;
  }
  return best;
}

export { absDist, type Dist };

/** Median of repeated figures (mean of the middle two for an even count); NaN when none. */
export function median(xs: readonly number[]): number {
  // The project's interpolating percentile: its p50 is the mean of the middle two for an even count.
  return percentile(xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b), 50);
}
