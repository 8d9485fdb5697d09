// Per-session and per-turn figures (DESIGN.md "Metrics", trie's per-trace table):
// - TTFT of the session: TTFT of its first request;
// - TTFAT: session start -> first token of its final turn (the root agent's last request), the
//   first token a user of an agent that hides its tool turns sees;
// - latency: session start -> end of its last response (sub-agents included);
// - decode TPS: mean over its requests of (output_tokens - 1) / (e2e - ttft);
// - cache hit rate: sum cached / sum prompt tokens (server usage);
// - eligible cache hit rate: sum cached / sum eligible, eligible_i = prompt_(i-1) + completion_(i-1)
//   of the same agent's previous turn (0 for an agent's first turn: every agent has its own context).
// Pure: the runner feeds it one finished request at a time.

/** One finished request of a session, as measured. */
export interface TurnResult {
  ok: boolean;
  /** Server usage (prompt from the trace when the server sent none). */
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  sendUnixMs: number;
  ttftMs?: number;
  e2eMs: number;
}

/** Eligible prompt tokens of a turn given the same agent's previous turn (0 for the first, or after a failure). */
export function eligibleTokens(prev: TurnResult | undefined): number {
  if (!prev || !prev.ok) return 0;
  return prev.promptTokens + prev.completionTokens;
}

/** Post-first-token decode rate of one request (tokens/s), undefined with fewer than two tokens. */
export function decodeTps(r: Pick<TurnResult, 'completionTokens' | 'ttftMs' | 'e2eMs'>): number | undefined {
  if (r.ttftMs === undefined || r.completionTokens < 2) return undefined;
  const s = (r.e2eMs - r.ttftMs) / 1000;
  return s > 0 ? (r.completionTokens - 1) / s : undefined;
}

export function ratio(num: number, den: number): number | undefined {
  return den > 0 ? num / den : undefined;
}

export interface SessionFigures {
  requests: number;
  failed: number;
  ttftMs?: number;
  ttfatMs?: number;
  latencyMs: number;
  decodeTps?: number;
  cacheHitRate?: number;
  eligibleHitRate?: number;
  promptTokens: number;
  cachedTokens: number;
  eligibleTokens: number;
  completionTokens: number;
}

export class SessionTally {
  private requests = 0;
  private failed = 0;
  private prompt = 0;
  private cached = 0;
  private eligible = 0;
  private completion = 0;
  private tpsSum = 0;
  private tpsCount = 0;
  private usage = 0;
  private firstTtft?: number;
  private finalFirstToken?: number;
  private lastEnd = -Infinity;

  /**
   * Adds a finished request. `first`: the root's first turn; `final`: the root's last turn;
   * `eligible`: eligibleTokens() of the same agent's previous turn.
   */
  add(r: TurnResult, eligible: number, flags: { first: boolean; final: boolean }): void {
    this.requests++;
    this.lastEnd = Math.max(this.lastEnd, r.sendUnixMs + r.e2eMs);
    if (!r.ok) {
      this.failed++;
      return;
    }
    this.prompt += r.promptTokens;
    this.completion += r.completionTokens;
    this.eligible += eligible;
    if (r.cachedTokens !== undefined) {
      this.cached += r.cachedTokens;
      this.usage++;
    }
    const tps = decodeTps(r);
    if (tps !== undefined) {
      this.tpsSum += tps;
      this.tpsCount++;
    }
    if (flags.first) this.firstTtft = r.ttftMs;
    if (flags.final && r.ttftMs !== undefined) this.finalFirstToken = r.sendUnixMs + r.ttftMs;
  }

  /** The session's figures, times counted from its start (Unix ms). */
  figures(startUnixMs: number): SessionFigures {
    // Hit rates need the server's cached_tokens on every successful request.
    const withUsage = this.usage > 0 && this.usage === this.requests - this.failed;
    const f: SessionFigures = {
      requests: this.requests,
      failed: this.failed,
      latencyMs: Math.max(0, this.lastEnd - startUnixMs),
      promptTokens: this.prompt,
      cachedTokens: this.cached,
      eligibleTokens: this.eligible,
      completionTokens: this.completion,
    };
    if (this.firstTtft !== undefined) f.ttftMs = this.firstTtft;
    if (this.finalFirstToken !== undefined) f.ttfatMs = this.finalFirstToken - startUnixMs;
    if (this.tpsCount > 0) f.decodeTps = this.tpsSum / this.tpsCount;
    if (withUsage) {
      f.cacheHitRate = ratio(this.cached, this.prompt);
      f.eligibleHitRate = ratio(this.cached, this.eligible);
    }
    return f;
  }
}
