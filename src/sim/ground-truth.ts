// The ground truth: one JSONL line per finished (or failed) request, written as requests end,
// so memory stays bounded however long the run. Every *Ms field is a Unix-epoch millisecond
// time rounded to the microsecond (3 decimals), on the same clock a client on this machine
// reads (performance.timeOrigin + performance.now()).
//
// Token times are encoded exactly and compactly:
//   firstTokenMs  epoch ms of the first token chunk (null when no token was sent)
//   tokenMs       integer MICROSECOND gaps between consecutive token chunks, after the first:
//                 tokenMs.length === max(0, completionTokens - 1)
//   token k time  = (round(firstTokenMs * 1000) + tokenMs[0] + ... + tokenMs[k-1]) / 1000
// `decodeTokenTimes(record)` does that. Because every stored time is a whole number of
// microseconds, decoding reproduces the recorded times exactly (no accumulated float error).
//
// Simulator extras (not in the harness contract): `lateUs` = per token chunk, how many
// microseconds after its scheduled time it was written (scheduling error); `preemptions`;
// `prepUs` = how long parsing and tokenizing the body took; with KV tiers, `cachedTokensByTier`
// and `kvLoadMs` (the wait for KV loads from lower tiers).
// The decoder below has no Node dependency so the harness and its tests can import it.

import type { TokensByTier } from './kv-tiers.js';

export interface GroundTruthRecord {
  id: string;
  endpoint: string;
  model: string;
  /** HTTP status sent (200 for streams even when they broke later); 499 = client left before any response. */
  status: number;
  /** Normalised fault spec applied to this request, or null. */
  fault: string | null;
  /** When the request's first bytes were read from its socket. */
  arrivalMs: number;
  /** When the scheduler first admitted it (left the waiting queue); null if never. */
  queueExitMs: number | null;
  /** First token chunk handed to the socket (non-streamed: first token generated). */
  firstTokenMs: number | null;
  /** Integer microsecond gaps between token chunks (see the module comment). */
  tokenMs: number[];
  /** Last byte handed to the socket (or the connection closed). */
  finishMs: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  maxTokens: number;
  /** 'length' = complete; 'abort' = the client went away; 'cut' / 'error' = cut / mid-error fault; null = never generated. */
  finishReason: string | null;
  stream: boolean;
  preemptions: number;
  /** Per token chunk: write time minus scheduled time, integer microseconds. */
  lateUs: number[];
  /** Microseconds the simulator spent parsing, tokenizing and validating the body (absent when rejected before). */
  prepUs?: number;
  /** With KV tiers: `cachedTokens` split by the tier the blocks were in. */
  cachedTokensByTier?: TokensByTier;
  /** With KV tiers: ms (wall) the request waited for KV loads from lower tiers. */
  kvLoadMs?: number;
}

export function toUs(ms: number): number {
  return Math.round(ms * 1000);
}

/** Token chunk times (epoch ms) of a record, decoded exactly. */
export function decodeTokenTimes(r: Pick<GroundTruthRecord, 'firstTokenMs' | 'tokenMs'>): number[] {
  if (r.firstTokenMs === null || r.firstTokenMs === undefined) return [];
  let us = Math.round(r.firstTokenMs * 1000);
  const out = [us / 1000];
  for (const d of r.tokenMs) {
    us += d;
    out.push(us / 1000);
  }
  return out;
}

/**
 * When the model scheduled each token chunk (epoch ms): the write time minus its lateness.
 * Exact up to the microsecond rounding of both; use it to check modelled durations (steps,
 * stalls) without the event loop's jitter.
 */
export function scheduledTokenTimes(r: Pick<GroundTruthRecord, 'firstTokenMs' | 'tokenMs' | 'lateUs'>): number[] {
  const t = decodeTokenTimes(r);
  return t.map((x, i) => (Math.round(x * 1000) - (r.lateUs[i] ?? 0)) / 1000);
}

/**
 * Accumulates one request's token times as integer microseconds (exact encoding), keeping
 * only the first time and the gaps.
 */
export class TokenTimes {
  firstUs = -1;
  private lastUs = -1;
  readonly gapsUs: number[] = [];
  count = 0;

  push(ms: number): void {
    const us = Math.round(ms * 1000);
    if (this.count === 0) this.firstUs = us;
    else this.gapsUs.push(us - this.lastUs);
    this.lastUs = us;
    this.count++;
  }

  get firstMs(): number | null {
    return this.count ? this.firstUs / 1000 : null;
  }

  get lastMs(): number | null {
    return this.count ? this.lastUs / 1000 : null;
  }
}

/** Appends records to a JSONL file in batches; `close()` flushes everything. */
export interface GroundTruthSink {
  write(r: GroundTruthRecord): void;
  close(): Promise<void>;
  readonly written: number;
}

export class NullSink implements GroundTruthSink {
  written = 0;
  write(): void {
    this.written++;
  }
  async close(): Promise<void> {}
}
