// Runs one session group (a root session and its sub-agents) inside one k6 iteration.
//
// Why this shape: a blocking stream occupies its VU until the response ends, so one VU per
// in-flight request would need a VU per agent and a way to make VUs wait for each other, which
// k6 does not have. Instead every agent is an async function on the iteration's event loop: it
// waits with the extension's waitUntil() and sends with postAsync(), both of which release the
// VU while the clock runs or the stream arrives (timestamps are taken in Go, so JS work on the
// same VU does not shift them). A parent spawns a sub-agent by starting its function and
// keeping the promise; a turn that waits for sub-agents awaits their promises. One VU therefore
// drives a whole session tree, concurrency included, and sessions never need to talk across VUs.

import type { Vocabulary } from '../prompt/hashblock';
import { BlockTextCache } from '../prompt/hashblock';
import { buildBody, ENDPOINT_PATHS } from '../openai/request';
import { measureExchange, type Exchange, type RequestOutcome } from '../openai/outcome';
import type { SessionsConfig } from '../config/sessions';
import type { PlannedAgent, PlannedTurn, SessionGroup, TurnWait } from '../sessions/plan';
import { sendAtMs, type AnchorTimes, type TimingOptions } from '../sessions/timing';
import { BlockPrompt, sessionSalt, warmBlockCount, warmSalt } from '../sessions/prompt';
import { appendedTokens, Conversation, replyContent } from '../sessions/history';
import { decodeTps, eligibleTokens, SessionTally, type TurnResult } from '../sessions/formulas';
import { debugLine } from '../sessions/debug';
import { recordRequest } from './metrics';
import { recordSession, recordSessionStart, recordTurn, type SessionOutcome } from './sessions-metrics';
import type { Platform } from './platform';

export interface RunnerContext {
  platform: Platform;
  cfg: SessionsConfig;
  vocab: Vocabulary;
  model: string;
  /** Unix ms the run-relative times (workload buckets, send/end histograms) count from. */
  originUnixMs: number;
  timing: TimingOptions;
  /** Warm-prefix blocks recur in every session of the VU: build them once. */
  warmCache: BlockTextCache;
  /** Logs a failed request (the caller limits how many). */
  logFailure: (requestId: string, line: number | undefined, o: RequestOutcome) => void;
}

interface Times {
  sendMs: number;
  endMs: number;
}

interface AgentEnd {
  /** Send time of the agent's last request, and when it (and its sub-agents) ended. */
  lastSendMs: number;
  endMs: number;
}

/** Builds each turn's request body for one agent: block prompts or a growing conversation. */
class AgentPrompts {
  private readonly blocks?: BlockPrompt;
  private readonly convo?: Conversation;

  constructor(ctx: RunnerContext, group: SessionGroup, agent: PlannedAgent, salt: string) {
    const cfg = ctx.cfg;
    const model = agent.turns[0]?.model;
    const warm = warmSalt(cfg.salt, model);
    const warmBlocks = warmBlockCount(group.blockSize, { tokens: cfg.warmPrefixTokens, fraction: cfg.warmPrefix }, agent.prefixTokens);
    if (agent.accumulates) {
      this.convo = new Conversation({ vocab: ctx.vocab, blockSize: group.blockSize, sessionSalt: salt, warmSalt: warm, warmTokens: warmBlocks * group.blockSize });
    } else {
      this.blocks = new BlockPrompt({ vocab: ctx.vocab, blockSize: group.blockSize, sessionSalt: salt, warmSalt: warm, warmBlocks, warmCache: ctx.warmCache });
    }
  }

  body(ctx: RunnerContext, turn: PlannedTurn, prev: PlannedTurn | undefined, key: string): Record<string, unknown> {
    const cfg = ctx.cfg;
    const common = {
      endpoint: cfg.endpoint, model: ctx.model, stream: cfg.stream, ignoreEos: cfg.ignoreEos,
      maxTokens: cfg.noMaxTokens ? undefined : Math.max(1, turn.outputTokens),
    };
    // The chat template's tokens (TEMPLATE) come off the end, so the server counts the recorded length.
    const tokens = Math.max(1, turn.inputTokens - cfg.overheadTokens);
    if (this.blocks) return buildBody({ ...common, prompt: this.blocks.next(turn.keep, turn.add, tokens, key) });
    const messages = this.convo!.ask(appendedTokens(turn, prev), turn.appendBlocks, key);
    return cfg.endpoint === 'chat' ? buildBody({ ...common, prompt: '', messages }) : buildBody({ ...common, prompt: Conversation.asText(messages) });
  }

  /** Accumulating agents keep the reply for the next turn's history. */
  reply(x: Exchange, o: RequestOutcome, turn: PlannedTurn, key: string): void {
    if (this.convo) this.convo.answer(o.ok ? replyContent(x.data, x.body) : undefined, turn.outputTokens, `${key}:reply`);
  }
}

/** The replay times of a turn's anchor event. */
function anchorTimes(w: TurnWait, startMs: number, prev: Times | undefined, spawnedBy: Times | undefined, ends: Map<number, AgentEnd>): AnchorTimes {
  switch (w.anchor) {
    case 'prev':
      return prev ?? { sendMs: startMs, endMs: startMs };
    case 'spawn':
      return spawnedBy ?? { sendMs: startMs, endMs: startMs };
    case 'agent': {
      const e = ends.get(w.agent ?? -1);
      return e ? { sendMs: e.lastSendMs, endMs: e.endMs } : { sendMs: startMs, endMs: startMs };
    }
    default:
      return { sendMs: startMs, endMs: startMs };
  }
}

function headersFor(cfg: SessionsConfig, requestId: string): Record<string, string> {
  const h: Record<string, string> = { ...cfg.headers, 'Content-Type': 'application/json' };
  if (cfg.apiKey) h.Authorization = `Bearer ${cfg.apiKey}`;
  h[cfg.requestIdHeader] = requestId;
  return h;
}

/**
 * Replays one group as draw `draw` (it names the requests and, with UNIQUE_PREFIX, salts the
 * prompts). The session starts at `startUnixMs` (its first prompt is built before, then sent at
 * that time) or, when undefined, as soon as its first prompt is built. Resolves when every agent
 * has finished.
 */
export async function runSession(ctx: RunnerContext, group: SessionGroup, draw: number, startUnixMs?: number): Promise<SessionOutcome> {
  const { platform, cfg } = ctx;
  const salt = sessionSalt({ salt: cfg.salt, uniquePerSession: cfg.uniquePrefix, scopePerFile: cfg.blockScope === 'file' }, group.file, draw);
  const tally = new SessionTally();
  const done: Array<Promise<AgentEnd> | undefined> = new Array(group.agents.length);
  let sessionStart = startUnixMs;
  let aborted = false;
  let failed = false;
  recordSessionStart();

  const spawn = (a: number, startMs: number, spawnedBy: Times | undefined) => {
    done[a] = runAgent(a, startMs, spawnedBy);
  };

  async function send(a: number, i: number, body: Record<string, unknown>, sendAt: number): Promise<{ x: Exchange; o: RequestOutcome; requestId: string } | undefined> {
    const requestId = `${cfg.runId}-s${draw}-a${a}-t${i}`;
    const headers = headersFor(cfg, requestId);
    const url = cfg.baseUrl + ENDPOINT_PATHS[cfg.endpoint];
    const payload = JSON.stringify(body);
    if (sendAt > platform.nowUnixMs()) {
      await platform.waitUntilUnixMs!(sendAt);
      // waitUntil resolves early only when the test is ending.
      if (platform.nowUnixMs() < sendAt - 1) return undefined;
    }
    const x = await platform.sendAsync!({ url, body: payload, headers, timeoutMs: cfg.timeoutMs, reuseConnections: cfg.reuseConnections });
    const o = measureExchange(x);
    if (cfg.debugBodies) {
      console.log(debugLine({
        requestId, session: group.id, agent: group.agents[a].id, turn: i, url, headers, request: body, status: x.status,
        events: x.streamed ? x.data : undefined, body: x.streamed ? undefined : x.body, error: x.error || undefined,
      }, cfg.apiKey));
    }
    return { x, o, requestId };
  }

  /** Runs agent `a` from `startMs` (undefined for the root: when its first prompt is ready). */
  async function runAgent(a: number, startAt: number | undefined, spawnedBy: Times | undefined): Promise<AgentEnd> {
    const agent = group.agents[a];
    const prompts = new AgentPrompts(ctx, group, agent, salt);
    const ends = new Map<number, AgentEnd>();
    let startMs = startAt ?? 0;
    let prev: Times | undefined;
    let prevResult: TurnResult | undefined;
    const last = agent.turns.length - 1;
    for (let i = 0; i <= last && !aborted; i++) {
      const turn = agent.turns[i];
      const key = `${salt}:${group.id}:${a}:${i}`;
      // Built before any wait, so the request leaves at its time.
      const body = prompts.body(ctx, turn, i > 0 ? agent.turns[i - 1] : undefined, key);
      if (i === 0) {
        if (startAt === undefined) startMs = sessionStart = platform.nowUnixMs();
        for (const c of agent.spawnsAtStart) spawn(c, startMs, undefined);
      }
      let ready = prev ? prev.endMs : spawnedBy ? spawnedBy.endMs : startMs;
      for (const j of turn.joins) {
        const e = await done[j]!;
        ends.set(j, e);
        ready = Math.max(ready, e.endMs);
      }
      if (aborted) break;
      const anchor = anchorTimes(turn.wait, startMs, prev, spawnedBy, ends);
      const at = sendAtMs(turn.wait, anchor, Math.max(ready, anchor.endMs), ctx.timing);
      const r = await send(a, i, body, at);
      if (!r) {
        aborted = true;
        break;
      }
      const { x, o, requestId } = r;
      if (o.ok && o.promptTokens === undefined) o.promptTokens = turn.inputTokens;
      const sendRunMs = x.startUnixMs - ctx.originUnixMs;
      recordRequest(platform, x.startUnixMs - at, o, requestId, sendRunMs, x.startUnixMs);
      const result: TurnResult = {
        ok: o.ok, promptTokens: o.promptTokens ?? turn.inputTokens, completionTokens: o.outputTokens, cachedTokens: o.cachedTokens,
        sendUnixMs: x.startUnixMs, ttftMs: o.ttftMs, e2eMs: o.e2eMs,
      };
      const eligible = eligibleTokens(prevResult);
      tally.add(result, eligible, { first: a === 0 && i === 0, final: a === 0 && i === last });
      if (o.ok) {
        recordTurn(platform, {
          promptTokens: result.promptTokens, cachedTokens: result.cachedTokens, completionTokens: result.completionTokens,
          eligibleTokens: eligible, decodeTps: decodeTps(result), endRunMs: sendRunMs + o.e2eMs,
        }, cfg.bucketMs);
      } else {
        failed = true;
        ctx.logFailure(requestId, turn.line, o);
        if (o.reason === 'aborted') aborted = true;
      }
      prompts.reply(x, o, turn, key);
      prev = { sendMs: x.startUnixMs, endMs: x.startUnixMs + o.e2eMs };
      prevResult = result;
      if (!aborted) for (const c of turn.spawns) spawn(c, prev.endMs, prev);
    }
    // Sub-agents no turn waited for (and, when cut short, those whose turn never came).
    let endMs = prev ? prev.endMs : startMs;
    for (let c = 0; c < done.length; c++) {
      if (group.agents[c].parent !== a || !done[c] || ends.has(c)) continue;
      endMs = Math.max(endMs, (await done[c]!).endMs);
    }
    return { lastSendMs: prev ? prev.sendMs : startMs, endMs };
  }

  done[0] = runAgent(0, startUnixMs, undefined);
  await done[0];
  const outcome: SessionOutcome = aborted ? 'aborted' : failed ? 'error' : 'ok';
  recordSession(tally.figures(sessionStart ?? platform.nowUnixMs()), outcome);
  return outcome;
}
