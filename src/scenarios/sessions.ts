// Closed-loop sessions on the engine: the core runner (src/sessions/runner.ts) over the engine's
// transport and clock. Who runs when:
// - users (USERS=N): N users each replay one session at a time, then draw the next (draw k of a
//   seeded shuffle); SESSIONS=M ends after M draws, DURATION starts new sessions for that long;
// - recorded starts (no USERS): every group starts at its recorded time, all concurrently.
// A share (segment arithmetic) picks this thread's draws, users or groups, so workers and
// instances together run every draw exactly once. Limits: no new session after DURATION (or
// MAX_DURATION); GRACEFUL_STOP_S later every wait is cut and requests in flight are aborted.

import type { Vocabulary } from '../prompt/hashblock';
import { BlockTextCache, buildPrompt } from '../prompt/hashblock';
import type { SessionsConfig } from '../config/sessions';
import type { MetricSink } from '../metrics/sink';
import type { SessionGroup } from '../sessions/plan';
import { SessionDraw } from '../sessions/draw';
import { runAtStart, runSession, type RunnerContext, type SessionIo, type TurnReport } from '../sessions/runner';
import type { IndexShare } from '../schedule/segments';
import { HAND_OVER_AHEAD_MS, type RequestTransport } from '../engine/transport';
import { monotonicOf, nowUnixMs } from '../engine/clock';
import { waitUntilUnix } from '../engine/wait';

export interface SessionsRun {
  cfg: SessionsConfig;
  groups: readonly SessionGroup[];
  model: string;
  vocab: Vocabulary;
  /** Unix ms the run counts from (recorded starts: LEAD_MS before the first). */
  originUnixMs: number;
  transport: RequestTransport;
  sink: MetricSink;
  /** This thread's draws (users mode: also its users) or groups; default everything. */
  share?: IndexShare;
  /** Stop starting requests (Ctrl-C): waits end, sessions count as aborted. */
  stopSending?: AbortSignal;
  /** Abort requests in flight (grace period over). */
  abortInFlight?: AbortSignal;
  onSend?: () => void;
  onTurn?: (t: TurnReport) => void;
  debug?: (line: string) => void;
}

export interface SessionsRunResult {
  /** Sessions this thread started. */
  started: number;
  /** True when DURATION / MAX_DURATION plus GRACEFUL_STOP_S cut the run. */
  cutByLimit: boolean;
}

/**
 * The runner's runtime on the engine: its clock, waits cut by `stop`, the transport. A transport
 * that sends at the instant itself (the native core) gets each turn HAND_OVER_AHEAD_MS early
 * with its due time, as the replay's open loop does.
 */
export function engineIo(transport: RequestTransport, stop: AbortSignal, abortInFlight: AbortSignal): SessionIo {
  return {
    nowUnixMs,
    waitUntil: (t) => waitUntilUnix(t, stop),
    send: (req, atUnixMs) => transport.send({ ...req, signal: abortInFlight }, atUnixMs === undefined ? undefined : monotonicOf(atUnixMs)),
    handOverAheadMs: transport.schedulesSends ? HAND_OVER_AHEAD_MS : 0,
  };
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

export async function runSessions(run: SessionsRun): Promise<SessionsRunResult> {
  const { cfg, groups } = run;
  // The run's limit: no new sessions after it, everything cut GRACEFUL_STOP_S later.
  const limitUnixMs = run.originUnixMs + (cfg.durationS ?? cfg.maxDurationS) * 1000;
  const hardStop = new AbortController();
  const hardTimer = setTimeout(() => hardStop.abort(), Math.max(0, limitUnixMs + cfg.gracefulStopS * 1000 - nowUnixMs()));
  hardTimer.unref();
  const stop = anySignal([run.stopSending, hardStop.signal]);
  const abort = anySignal([run.abortInFlight, hardStop.signal]);
  const ctx: RunnerContext = {
    io: engineIo(run.transport, stop, abort), sink: run.sink, cfg, vocab: run.vocab, model: run.model, originUnixMs: run.originUnixMs,
    timing: { mode: cfg.timing, timeScale: cfg.timeScale, apiScale: cfg.apiScale, maxDelayMs: cfg.maxDelayMs },
    warmCache: new BlockTextCache(1024), onSend: run.onSend, onTurn: run.onTurn, debug: run.debug,
  };
  // The vocabulary's word pool is built on first use: not on a session's dispatch path.
  buildPrompt(run.vocab, { blocks: [0], blockSize: 1, tokens: 1 });
  const owns = (i: number) => run.share?.owns(i) ?? true;
  const mayStart = () => !stop.aborted && nowUnixMs() < limitUnixMs;
  let started = 0;
  try {
    if (cfg.users === undefined) {
      const runs: Array<Promise<unknown>> = [];
      groups.forEach((g, i) => {
        if (!owns(i)) return;
        const start = run.originUnixMs + cfg.leadMs + g.startMs * cfg.timeScale;
        if (start >= limitUnixMs) return;
        runs.push(runAtStart(ctx, g, i, start).then((o) => {
          if (o !== undefined) started++;
        }));
      });
      await Promise.all(runs);
    } else {
      const draw = new SessionDraw(groups.length, cfg.seed);
      const planned = cfg.durationS !== undefined ? Infinity : cfg.sessions ?? groups.length;
      // k6 splits VUs by the same arithmetic; a share that owns draws gets at least one user.
      const users = run.share ? Math.max(1, run.share.countBelow(cfg.users)) : cfg.users;
      // This thread's draws in order: the j-th it owns.
      let next = 0;
      const nextDraw = (): number | undefined => {
        const k = run.share ? run.share.nth(next) : next;
        if (k >= planned || !mayStart()) return undefined;
        next++;
        return k;
      };
      const user = async () => {
        for (let k = nextDraw(); k !== undefined; k = nextDraw()) {
          started++;
          await runSession(ctx, groups[draw.group(k)], k);
        }
      };
      await Promise.all(Array.from({ length: users }, user));
    }
  } finally {
    clearTimeout(hardTimer);
  }
  return { started, cutByLimit: hardStop.signal.aborted };
}
