// Session planning: a canonical Trace -> one SessionGroup per root session (a user's session
// with all its sub-agents), in the shape the k6 runner executes. Pure and JSON-serialisable, so
// the plan is built once in k6 init code and shared through a SharedArray.
//
// What the plan fixes from the recording (and the runner never re-derives):
// - which agents run (root + sub-agents, each its own context), when each sub-agent is spawned
//   (after its parent's turn `spawnAfterTurn`) and which parent turn waits for it (`joins`);
// - for every turn, the event its recorded wait is measured from (its "anchor": the session
//   start, the previous turn, the spawning parent turn or a joined sub-agent) and the recorded
//   gaps the timing modes need (src/sessions/timing.ts);
// - block ids, delta-encoded against the agent's previous turn (a turn's hash_ids usually extend
//   the previous ones, so storing every list whole would grow quadratically).

import type { Session, Trace, Turn } from '../trace/model';
import type { JoinRule } from '../config/sessions';


/** Where a turn's recorded wait is measured from. */
export type AnchorKind = 'start' | 'prev' | 'spawn' | 'agent';

export interface TurnWait {
  anchor: AnchorKind;
  /** Anchor 'agent': index (in the group) of the joined agent the wait is measured from. */
  agent?: number;
  /** Recorded idle time between the anchor's end and this turn's send (think/tool time), ms. */
  idleMs: number;
  /** Recorded time between the anchor's send and this turn's send (ms); undefined when the trace has no send times. */
  sinceSendMs?: number;
  /** Recorded server time of the anchor request (ms; 0 when unknown or the anchor is a start). */
  anchorApiMs: number;
}

export interface PlannedTurn {
  inputTokens: number;
  outputTokens: number;
  /** Block ids = the first `keep` ids of this agent's previous turn, then `add`. */
  keep: number;
  add: number[];
  /** Accumulating sessions: tokens (and block ids) this turn appends to the conversation. */
  appendTokens?: number;
  appendBlocks?: number[];
  model?: string;
  /** Source line, for messages. */
  line?: number;
  /** Recorded turn contents (kv-cache-tester): what the client added, what the reply held, why it stopped. */
  inputTypes?: string[];
  outputTypes?: string[];
  stop?: string;
  wait: TurnWait;
  /** Agents this turn waits for (they must have completed before it is sent). */
  joins: number[];
  /** Agents spawned when this turn's response has ended. */
  spawns: number[];
}

export interface PlannedAgent {
  /** Session id from the trace (sub-agents: "<parent>/<agent_id>"). */
  id: string;
  label?: string;
  /** Index of the parent agent in the group; -1 for the root. */
  parent: number;
  /** Parent turn after whose response this agent starts; -1: at the parent's start. */
  spawnAfterTurn: number;
  /** Agents spawned at this agent's start (before its first turn). */
  spawnsAtStart: number[];
  /** Agents no turn waits for: the agent completes only when they have. */
  joinsAtEnd: number[];
  /** Each turn appends to one conversation (AIPerf sessions, trie) instead of carrying its whole prompt. */
  accumulates: boolean;
  /** System + tool tokens opening every request (kv-cache-tester), when known: the warm-prefix candidate. */
  prefixTokens?: number;
  /** Its two parts, when recorded: the system prompt and the tool definitions. */
  systemTokens?: number;
  toolTokens?: number;
  turns: PlannedTurn[];
}

export interface SessionGroup {
  /** Root session id. */
  id: string;
  /** Index of the trace file in the run's list (block ids are scoped per file). */
  file: number;
  format: string;
  blockSize: number;
  /** Recorded start of the root session, ms from the trace start. */
  startMs: number;
  /** agents[0] is the root. */
  agents: PlannedAgent[];
  /** Requests the group sends (all agents). */
  requests: number;
  /** Requests left out because they exceed the context limit (and sub-agents spawned after them). */
  truncated: number;
}

export interface PlanOptions {
  join: JoinRule;
  /** Leave out a turn whose prompt exceeds this many tokens, and the rest of its agent. */
  maxContext?: number;
  /** Block size when the trace does not say. */
  defaultBlockSize: number;
}

/** When the recording says a turn's response ended (send time + server time). */
function recordedEnd(t: Turn): number | undefined {
  return t.atMs === undefined ? undefined : t.atMs + (t.apiTimeMs ?? 0);
}

interface Node {
  session: Session;
  turns: Turn[];
  children: Node[];
  index: number;
  parent?: Node;
  /** Latest recorded end over this agent and its descendants (undefined without send times). */
  endMs?: number;
}

function common(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** The turns kept under the context limit: everything before the first one over it. */
function keptTurns(s: Session, maxContext: number | undefined): Turn[] {
  if (maxContext === undefined) return s.turns;
  const cut = s.turns.findIndex((t) => t.inputTokens > maxContext);
  return cut < 0 ? s.turns : s.turns.slice(0, cut);
}

function subtreeEnd(n: Node): number | undefined {
  let end: number | undefined;
  for (const t of n.turns) {
    const e = recordedEnd(t);
    if (e !== undefined) end = end === undefined ? e : Math.max(end, e);
  }
  for (const c of n.children) {
    const e = subtreeEnd(c);
    if (e !== undefined) end = end === undefined ? e : Math.max(end, e);
  }
  n.endMs = end;
  return end;
}

/** The parent turn that waits for a child, or -1 when only the parent's completion does. */
function joinTurnOf(child: Node, parent: Node, rule: JoinRule): number {
  const p = child.session.spawnAfterTurn ?? -1;
  if (rule === 'next' || child.endMs === undefined) return p + 1 < parent.turns.length ? p + 1 : -1;
  for (let j = p + 1; j < parent.turns.length; j++) {
    const at = parent.turns[j].atMs;
    if (at !== undefined && at >= child.endMs) return j;
  }
  return -1;
}

interface Candidate {
  anchor: AnchorKind;
  agent?: number;
  /** Recorded end and send of the anchor event. */
  endMs?: number;
  sendMs?: number;
  apiMs: number;
}

/** The turn's wait: measured from whichever of its dependencies ended last in the recording. */
function waitOf(turn: Turn, i: number, node: Node, joined: Node[], turnIdle: number | undefined): TurnWait {
  const own: Candidate = i > 0
    ? { anchor: 'prev', endMs: recordedEnd(node.turns[i - 1]), sendMs: node.turns[i - 1].atMs, apiMs: node.turns[i - 1].apiTimeMs ?? 0 }
    : firstTurnAnchor(node);
  let best = own;
  for (const j of joined) {
    if (j.endMs === undefined) continue;
    if (best.endMs === undefined || j.endMs > best.endMs) {
      const last = j.turns[j.turns.length - 1];
      best = { anchor: 'agent', agent: j.index, endMs: j.endMs, sendMs: last?.atMs, apiMs: last?.apiTimeMs ?? 0 };
    }
  }
  const at = turn.atMs;
  let idleMs: number;
  if (best === own && turnIdle !== undefined) idleMs = turnIdle;
  else if (at !== undefined && best.endMs !== undefined) idleMs = Math.max(0, at - best.endMs);
  else idleMs = turn.delayMs ?? 0;
  const w: TurnWait = { anchor: best.anchor, idleMs, anchorApiMs: best.anchor === 'start' ? 0 : best.apiMs };
  if (best.agent !== undefined) w.agent = best.agent;
  if (at !== undefined && best.sendMs !== undefined) w.sinceSendMs = Math.max(0, at - best.sendMs);
  return w;
}

/** A first turn waits from the session start (root) or from the parent turn that spawned it. */
function firstTurnAnchor(node: Node): Candidate {
  const parent = node.parent;
  const p = node.session.spawnAfterTurn ?? -1;
  if (!parent) return { anchor: 'start', endMs: node.session.startMs, sendMs: node.session.startMs, apiMs: 0 };
  if (p < 0) return { anchor: 'start', endMs: parent.session.startMs, sendMs: parent.session.startMs, apiMs: 0 };
  const t = parent.turns[p];
  return { anchor: 'spawn', endMs: recordedEnd(t), sendMs: t.atMs, apiMs: t.apiTimeMs ?? 0 };
}

/** Recorded think time of a turn after the previous one: think_time, else the reader's delay. */
function ownIdle(turn: Turn, i: number): number | undefined {
  if (i === 0) return undefined;
  return turn.thinkTimeMs ?? turn.delayMs;
}

function listAt(m: Map<number, number[]>, k: number): number[] {
  let l = m.get(k);
  if (!l) m.set(k, (l = []));
  return l;
}

function planAgent(node: Node, parentIndex: number, rule: JoinRule, o: PlanOptions): PlannedAgent {
  const s = node.session;
  const joinsAt = new Map<number, number[]>();
  const spawnsAt = new Map<number, number[]>();
  const joinsAtEnd: number[] = [];
  const spawnsAtStart: number[] = [];
  for (const c of node.children) {
    const p = c.session.spawnAfterTurn ?? -1;
    if (p < 0) spawnsAtStart.push(c.index);
    else listAt(spawnsAt, p).push(c.index);
    const j = joinTurnOf(c, node, rule);
    if (j < 0) joinsAtEnd.push(c.index);
    else listAt(joinsAt, j).push(c.index);
  }
  const byIndex = new Map(node.children.map((c) => [c.index, c]));
  let prevBlocks: number[] = [];
  const turns = node.turns.map((t, i): PlannedTurn => {
    const blocks = t.blocks ?? [];
    const keep = common(prevBlocks, blocks);
    prevBlocks = blocks;
    const joins = joinsAt.get(i) ?? [];
    const pt: PlannedTurn = {
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      keep,
      add: blocks.slice(keep),
      wait: waitOf(t, i, node, joins.map((j) => byIndex.get(j)!), ownIdle(t, i)),
      joins,
      spawns: spawnsAt.get(i) ?? [],
    };
    if (t.appendTokens !== undefined) pt.appendTokens = t.appendTokens;
    if (t.appendBlocks) pt.appendBlocks = t.appendBlocks;
    if (t.model !== undefined) pt.model = t.model;
    if (t.line !== undefined) pt.line = t.line;
    if (t.inputTypes) pt.inputTypes = t.inputTypes;
    if (t.outputTypes) pt.outputTypes = t.outputTypes;
    if (t.stop !== undefined) pt.stop = t.stop;
    return pt;
  });
  const agent: PlannedAgent = {
    id: s.id,
    parent: parentIndex,
    spawnAfterTurn: s.spawnAfterTurn ?? -1,
    spawnsAtStart,
    joinsAtEnd,
    accumulates: !!s.accumulates,
    turns,
  };
  if (s.label !== undefined) agent.label = s.label;
  if (s.prefixTokens !== undefined) agent.prefixTokens = s.prefixTokens;
  if (s.systemTokens !== undefined) agent.systemTokens = s.systemTokens;
  if (s.toolTokens !== undefined) agent.toolTokens = s.toolTokens;
  return agent;
}

/**
 * One group per root session (sessions without a parent), ordered by start time; sub-agents
 * whose parent is missing from the trace become roots of their own. `file` scopes block ids.
 */
export function planSessions(trace: Trace, file: number, o: PlanOptions): SessionGroup[] {
  const byId = new Map<string, Session>();
  for (const s of trace.sessions) byId.set(s.id, s);
  const childrenOf = new Map<string, Session[]>();
  const roots: Session[] = [];
  for (const s of trace.sessions) {
    if (s.parentId !== undefined && byId.has(s.parentId)) {
      const list = childrenOf.get(s.parentId) ?? [];
      list.push(s);
      childrenOf.set(s.parentId, list);
    } else {
      roots.push(s);
    }
  }
  const allTurns = (s: Session): number => s.turns.length + (childrenOf.get(s.id) ?? []).reduce((n, c) => n + allTurns(c), 0);
  const groups: SessionGroup[] = [];
  for (const root of roots) {
    const nodes: Node[] = [];
    let truncated = 0;
    const build = (s: Session, parent: Node | undefined): Node => {
      const turns = keptTurns(s, o.maxContext);
      truncated += s.turns.length - turns.length;
      const node: Node = { session: s, turns, children: [], index: nodes.length, parent };
      nodes.push(node);
      for (const c of childrenOf.get(s.id) ?? []) {
        // A sub-agent spawned after a turn that was cut, or whose own first turn is, never runs.
        const cutFirst = o.maxContext !== undefined && c.turns.length > 0 && c.turns[0].inputTokens > o.maxContext;
        if ((c.spawnAfterTurn ?? -1) >= turns.length || cutFirst || c.turns.length === 0) {
          truncated += allTurns(c);
          continue;
        }
        node.children.push(build(c, node));
      }
      return node;
    };
    const top = build(root, undefined);
    // A session whose first request is over the limit is left out whole.
    if (top.turns.length === 0) continue;
    subtreeEnd(top);
    const agents = nodes.map((n) => planAgent(n, n.parent ? n.parent.index : -1, o.join, o));
    groups.push({
      id: root.id,
      file,
      format: trace.format,
      blockSize: trace.blockSize ?? o.defaultBlockSize,
      startMs: root.startMs,
      agents,
      requests: agents.reduce((n, a) => n + a.turns.length, 0),
      truncated,
    });
  }
  // Stable: equal starts keep file order.
  return groups.map((g, i) => ({ g, i })).sort((a, b) => a.g.startMs - b.g.startMs || a.i - b.i).map((x) => x.g);
}

/** The block ids of every turn of an agent, rebuilt from the deltas (for tests and tools). */
export function expandBlocks(agent: PlannedAgent): number[][] {
  let prev: number[] = [];
  return agent.turns.map((t) => (prev = prev.slice(0, t.keep).concat(t.add)));
}
