// Runs one session group (a root session and its sub-agents), closed loop: each request goes
// when what it depends on has ended (plus the recorded wait of the timing mode). Pure: the
// runtime comes in as a SessionIo (a clock, a wait that a stopping run cuts short, an async
// send returning an Exchange) and a MetricSink, so the engine (src/scenarios/sessions.ts) and
// the k6 export (src/k6/sessions.ts) run the same code.
//
// Every agent is an async function on one event loop: it waits and sends without blocking the
// others. A parent spawns a sub-agent by starting its function and keeping the promise; a turn
// that waits for sub-agents awaits their promises. So one caller drives a whole session tree,
// concurrency included, and sessions never need to talk to each other.

import type { Vocabulary } from '../prompt/hashblock';
import { BlockTextCache } from '../prompt/hashblock';
import { buildBody, ENDPOINT_PATHS, takesMessages, type Endpoint } from '../openai/request';
import { measureExchange, type Exchange, type RequestOutcome } from '../openai/outcome';
import type { SessionsConfig } from '../config/sessions';
import type { MetricSink } from '../metrics/sink';
import { recordRequest } from '../metrics/record';
import { recordPromptLength } from '../metrics/prompt-length';
import { recordCapped } from '../metrics/context-cap';
import { fitOutputToContext, type FittedLength } from '../openai/context-fit';
import type { PlannedAgent, PlannedTurn, SessionGroup, TurnWait } from './plan';
import { sendAtMs, type AnchorTimes, type TimingOptions } from './timing';
import { BlockPrompt, sessionSalt, warmBlockCount, warmSalt } from './prompt';
import { appendedTokens, Conversation, replyContent } from './history';
import { AgentTurns, isRecordedAgent } from './agent-turns';
import { responseIdOf } from '../openai/responses/events';
import { decodeTps, eligibleTokens, SessionTally, type TurnResult } from './formulas';
import { debugLine } from './debug';
import { recordSession, recordSessionStart, recordTurn, type SessionOutcome } from './record';

export interface SessionRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Keep every event's data: accumulating agents send the reply back, debug logs it. */
  keepEvents: boolean;
}

/** What the runner needs from a runtime. */
export interface SessionIo {
  /** Unix time in ms, on the same clock as the Exchanges' startUnixMs. */
  nowUnixMs(): number;
  /** Resolves true at `unixMs`; false (at once, or when it happens) if the run is stopping. */
  waitUntil(unixMs: number): Promise<boolean>;
  /**
   * Sends at `atUnixMs` (now when undefined or past); resolves when the response has ended or
   * failed (never rejects).
   */
  send(req: SessionRequest, atUnixMs?: number): Promise<Exchange>;
  /**
   * A runtime that sends at the instant itself takes the request this long before it (JS
   * pauses then cannot delay the send); 0 or undefined: at the instant.
   */
  handOverAheadMs?: number;
}

/** One finished request, for progress, per-request records and logs. */
export interface TurnReport {
  requestId: string;
  /** Trace line of the turn. */
  line?: number;
  scheduledUnixMs: number;
  lagMs: number;
  x: Exchange;
  o: RequestOutcome;
  /** Input length the trace recorded, and the prompt tokens the server's usage counted. */
  inputTokensRecorded?: number;
  promptTokensServer?: number;
}

export interface RunnerContext {
  io: SessionIo;
  sink: MetricSink;
  cfg: SessionsConfig;
  vocab: Vocabulary;
  model: string;
  /** Unix ms the run-relative times (workload buckets, send/end histograms) count from. */
  originUnixMs: number;
  timing: TimingOptions;
  /** Warm-prefix blocks recur in every session: build them once. */
  warmCache: BlockTextCache;
  /** Each request as it is sent. */
  onSend?: () => void;
  /** Each finished request (failures included). */
  onTurn?: (t: TurnReport) => void;
  /** DEBUG_BODIES: one debug line per request (src/sessions/debug.ts). */
  debug?: (line: string) => void;
  /** Wraps the recording of one request (the k6 sink puts the request id in sample metadata). */
  withRequestId?: (requestId: string, record: () => void) => void;
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
  /** Messages / Responses: a recorded agent's tool turns (src/sessions/agent-turns.ts). */
  private readonly agentTurns?: AgentTurns;
  /** --responses-state server: the server keeps each response, a turn sends only what is new. */
  private readonly serverState: boolean;
  /** The last stored response and how many messages of the conversation the server holds with it. */
  private previous?: { id: string; held: number };

  constructor(ctx: RunnerContext, group: SessionGroup, agent: PlannedAgent, index: number, salt: string) {
    const cfg = ctx.cfg;
    const model = agent.turns[0]?.model;
    const warm = warmSalt(cfg.salt, model);
    this.serverState = cfg.endpoint === 'responses' && cfg.responsesState === 'server';
    const warmBlocks = warmBlockCount(group.blockSize, { tokens: cfg.warmPrefixTokens, fraction: cfg.warmPrefix }, agent.prefixTokens);
    if (agent.accumulates) {
      this.convo = new Conversation({ vocab: ctx.vocab, blockSize: group.blockSize, sessionSalt: salt, warmSalt: warm, warmTokens: warmBlocks * group.blockSize });
    } else {
      this.blocks = new BlockPrompt({ vocab: ctx.vocab, blockSize: group.blockSize, sessionSalt: salt, warmSalt: warm, warmBlocks, warmCache: ctx.warmCache });
      if ((cfg.endpoint === 'messages' || cfg.endpoint === 'responses') && isRecordedAgent(agent)) {
        this.agentTurns = new AgentTurns(agent, { api: cfg.endpoint, serverState: this.serverState, tag: `a${index}` });
      }
    }
  }

  /** The next body depends on the reply (a growing conversation, or a stored response to continue). */
  get needsReply(): boolean {
    return !!this.convo || (!!this.agentTurns && this.serverState);
  }

  body(ctx: RunnerContext, i: number, turn: PlannedTurn, prev: PlannedTurn | undefined, key: string): Record<string, unknown> {
    const cfg = ctx.cfg;
    const fit = fittedOutput(cfg, turn);
    const common = {
      endpoint: cfg.endpoint, model: ctx.model, stream: cfg.stream, ignoreEos: cfg.ignoreEos, maxTokens: fit?.maxTokens, minTokens: fit?.minTokens,
    };
    // The chat template's tokens (TEMPLATE) come off the end, so the server counts the recorded length.
    const tokens = Math.max(1, turn.inputTokens - cfg.overheadTokens);
    if (this.agentTurns) {
      const t = this.agentTurns;
      const r = t.request(i, tokens, this.blocks!.next(turn.keep, turn.add, t.textWords(i, tokens), key));
      const body = buildBody({ ...common, prompt: '', messages: r.messages, system: r.system || undefined, tools: r.tools.length ? r.tools : undefined });
      if (this.serverState) body.store = true;
      if (r.previousResponseId !== undefined) body.previous_response_id = r.previousResponseId;
      return body;
    }
    if (this.blocks) return buildBody({ ...common, prompt: this.blocks.next(turn.keep, turn.add, tokens, key) });
    const messages = this.convo!.ask(appendedTokens(turn, prev), turn.appendBlocks, key);
    if (this.serverState) {
      // The stored response holds the conversation up to its answer: send the rest (after a
      // failed turn there is none to continue, so the whole conversation goes again).
      const p = this.previous;
      const body = buildBody({ ...common, prompt: '', messages: p ? messages.slice(p.held) : messages });
      body.store = true;
      if (p) body.previous_response_id = p.id;
      return body;
    }
    return takesMessages(cfg.endpoint) ? buildBody({ ...common, prompt: '', messages }) : buildBody({ ...common, prompt: Conversation.asText(messages) });
  }

  /** Accumulating agents keep the reply for the next turn's history. */
  reply(x: Exchange, o: RequestOutcome, turn: PlannedTurn, key: string, api: Endpoint): void {
    if (this.agentTurns) {
      this.agentTurns.reply(o.ok ? responseIdOf(x.data, x.body) : undefined, o.ok ? replyContent(x.data, x.body, api) : undefined);
      return;
    }
    if (!this.convo) return;
    this.convo.answer(o.ok ? replyContent(x.data, x.body, api) : undefined, turn.outputTokens, `${key}:reply`);
    if (this.serverState) {
      const id = o.ok ? responseIdOf(x.data, x.body) : undefined;
      this.previous = id === undefined ? undefined : { id, held: this.convo.length };
    }
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

/**
 * A turn's max_tokens and min_tokens (none with --no-max-tokens): near the context limit
 * max_tokens is lowered to what fits beside the prompt and min_tokens kept below it, as the
 * replay does (src/openai/context-fit.ts); vLLM answers 400 otherwise.
 */
function fittedOutput(cfg: SessionsConfig, turn: PlannedTurn): FittedLength | undefined {
  return cfg.noMaxTokens ? undefined : fitOutputToContext(Math.max(1, turn.outputTokens), turn.inputTokens, cfg.maxModelLen);
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
  const { io, cfg, sink } = ctx;
  const salt = sessionSalt({ salt: cfg.salt, uniquePerSession: cfg.uniquePrefix, scopePerFile: cfg.blockScope === 'file' }, group.file, draw);
  const tally = new SessionTally();
  const done: Array<Promise<AgentEnd> | undefined> = new Array(group.agents.length);
  const url = cfg.baseUrl + ENDPOINT_PATHS[cfg.endpoint];
  let sessionStart = startUnixMs;
  let aborted = false;
  let failed = false;
  recordSessionStart(sink);

  const spawn = (a: number, startMs: number, spawnedBy: Times | undefined) => {
    done[a] = runAgent(a, startMs, spawnedBy);
  };

  /**
   * Sends `built.body` at `sendAt`; `whileInFlight` runs once the request is out (time to build
   * the next body). The body is taken out of `built` and its bytes are let go once handed to the
   * transport: a turn waiting on a saturated server holds its record, not its prompt (only
   * DEBUG_BODIES keeps the request, to log it).
   */
  async function send(a: number, i: number, built: { body?: Record<string, unknown> }, sendAt: number, keepEvents: boolean, whileInFlight: () => void): Promise<{ x: Exchange; o: RequestOutcome; requestId: string } | undefined> {
    const requestId = `${cfg.runId}-s${draw}-a${a}-t${i}`;
    const headers = headersFor(cfg, requestId);
    let payload: string | undefined = JSON.stringify(built.body);
    const body = ctx.debug ? built.body : undefined;
    built.body = undefined;
    const handOverAt = sendAt - (io.handOverAheadMs ?? 0);
    if (handOverAt > io.nowUnixMs() && !(await io.waitUntil(handOverAt))) return undefined;
    ctx.onSend?.();
    const pending = io.send({ url, body: payload, headers, keepEvents: keepEvents || ctx.debug !== undefined }, sendAt);
    payload = undefined;
    whileInFlight();
    const x = await pending;
    const o = measureExchange(x, false, cfg.endpoint);
    if (ctx.debug) {
      ctx.debug(debugLine({
        requestId, session: group.id, agent: group.agents[a].id, turn: i, url, headers, request: body, status: x.status,
        events: x.streamed ? x.data : undefined, body: x.streamed ? undefined : x.body, error: x.error || undefined,
      }, cfg.apiKey));
    }
    return { x, o, requestId };
  }

  function record(requestId: string, fn: () => void): void {
    if (ctx.withRequestId) ctx.withRequestId(requestId, fn);
    else fn();
  }

  /** Runs agent `a` from `startMs` (undefined for the root: when its first prompt is ready). */
  async function runAgent(a: number, startAt: number | undefined, spawnedBy: Times | undefined): Promise<AgentEnd> {
    const agent = group.agents[a];
    const prompts = new AgentPrompts(ctx, group, agent, a, salt);
    const ends = new Map<number, AgentEnd>();
    let startMs = startAt ?? 0;
    let prev: Times | undefined;
    let prevResult: TurnResult | undefined;
    const last = agent.turns.length - 1;
    const keyOf = (i: number) => `${salt}:${group.id}:${a}:${i}`;
    const bodyOf = (i: number) => prompts.body(ctx, i, agent.turns[i], i > 0 ? agent.turns[i - 1] : undefined, keyOf(i));
    let nextBody: Record<string, unknown> | undefined;
    for (let i = 0; i <= last && !aborted; i++) {
      const turn = agent.turns[i];
      const key = keyOf(i);
      // Built before any wait (block agents: while the previous request was in flight), so the
      // request leaves at its time; accumulating agents need the previous reply first.
      const built: { body?: Record<string, unknown> } = { body: nextBody ?? bodyOf(i) };
      nextBody = undefined;
      if (i === 0) {
        if (startAt === undefined) startMs = sessionStart = io.nowUnixMs();
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
      const r = await send(a, i, built, at, prompts.needsReply, () => {
        if (!prompts.needsReply && i < last) nextBody = bodyOf(i + 1);
      });
      if (!r) {
        aborted = true;
        break;
      }
      const { x, o, requestId } = r;
      const serverPrompt = o.ok ? o.promptTokens : undefined;
      if (o.ok && o.promptTokens === undefined) o.promptTokens = turn.inputTokens;
      const sendRunMs = x.startUnixMs - ctx.originUnixMs;
      const lagMs = x.startUnixMs - at;
      const result: TurnResult = {
        ok: o.ok, promptTokens: o.promptTokens ?? turn.inputTokens, completionTokens: o.outputTokens, cachedTokens: o.cachedTokens,
        sendUnixMs: x.startUnixMs, ttftMs: o.ttftMs, e2eMs: o.e2eMs,
      };
      const eligible = eligibleTokens(prevResult);
      tally.add(result, eligible, { first: a === 0 && i === 0, final: a === 0 && i === last });
      record(requestId, () => {
        recordRequest(sink, { lagMs, sendRunMs, sendUnixMs: x.startUnixMs }, o);
        if (serverPrompt !== undefined) recordPromptLength(sink, turn.inputTokens, serverPrompt);
        if (fittedOutput(cfg, turn)?.cappedFrom !== undefined) recordCapped(sink);
        if (o.ok) {
          recordTurn(sink, {
            promptTokens: result.promptTokens, cachedTokens: result.cachedTokens, completionTokens: result.completionTokens,
            eligibleTokens: eligible, decodeTps: decodeTps(result), endRunMs: sendRunMs + o.e2eMs,
          }, cfg.bucketMs);
        }
      });
      ctx.onTurn?.({ requestId, line: turn.line, scheduledUnixMs: at, lagMs, x, o, inputTokensRecorded: turn.inputTokens, promptTokensServer: serverPrompt });
      if (!o.ok) {
        failed = true;
        if (o.reason === 'aborted') aborted = true;
      }
      prompts.reply(x, o, turn, key, cfg.endpoint);
      // The send-to-send anchor is when the request went out: after the connection setup that
      // a new connection's times count from (the server sees the request then).
      prev = { sendMs: x.startUnixMs + x.connectMs, endMs: x.startUnixMs + o.e2eMs };
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
  recordSession(sink, tally.figures(sessionStart ?? io.nowUnixMs()), outcome);
  return outcome;
}

/** Recorded starts: begin a session (build its first prompt) this long before its start. */
export const PREPARE_MS = 200;

/**
 * A session at its recorded start (Unix ms): waits until just before it, then runs it with its
 * first request sent at the start (its dispatch lag is the session's start lag). Returns
 * undefined when the run stopped before the session began.
 */
export async function runAtStart(ctx: RunnerContext, group: SessionGroup, draw: number, startUnixMs: number): Promise<SessionOutcome | undefined> {
  if (!(await ctx.io.waitUntil(startUnixMs - PREPARE_MS))) return undefined;
  return runSession(ctx, group, draw, startUnixMs);
}
