// kv-cache-tester / WEKA agentic traces (callanjfox/kv-cache-tester `traces/trace_NNNN.json`,
// and HF semianalysisai/cc-traces-weka-* with one trace object per JSONL line).
//
// A trace is one session: `requests` in order, `t` in SECONDS since the session start,
// `in`/`out` tokens, `hash_ids` one per FULL 64-token block (`block_size`), `think_time` (client
// gap before the request, s), `api_time` (server time, s), optional `ttft` (s). A
// `type: "subagent"` entry holds its own `requests`: it becomes a Session with parentId and
// spawnAfterTurn = the parent turn it follows (-1: before the first); the parent waits for it.
// Inner `t` restart at 0 in kv-cache-tester and are root-trace times in the HF variant; both
// become atMs from the trace start.
//
// Each turn gets atMs (original timing) and delayMs (closed loop: think_time when recorded,
// else the gap t[i] - (t[i-1] + api_time[i-1]), else t[i] - t[i-1]). With several traces in one
// file whose `hash_id_scope` is "local", trace k's ids are shifted by k * 2^32 so that equal
// ids in different traces (different content) do not look shared.

import { optionalEndpoint } from '../endpoint-field';
import { checkRowKind } from './kvcache-row-kind';
import { TraceError } from '../errors';
import type { Turn } from '../model';
import type { ReadContext, SessionHead, TurnRecord } from '../records';
import { linesOf, wholeText, type TraceSource } from '../source';

export const KVCACHE_TESTER_BLOCK_SIZE = 64;
const LOCAL_SCOPE_STRIDE = 2 ** 32;

interface Where {
  file: string;
  line: number;
}

type Obj = Record<string, unknown>;

function num(o: Obj, key: string, path: string, w: Where, required: boolean): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new TraceError(w.file, w.line, `${path}.${key}`, 'is missing');
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TraceError(w.file, w.line, `${path}.${key}`, `must be a non-negative number, got ${JSON.stringify(v)}`);
  return v;
}

function int(o: Obj, key: string, path: string, w: Where): number {
  const v = num(o, key, path, w, true) as number;
  if (!Number.isInteger(v)) throw new TraceError(w.file, w.line, `${path}.${key}`, `must be an integer, got ${v}`);
  return v;
}

function hashIds(o: Obj, path: string, w: Where, shift: number): number[] | undefined {
  const v = o.hash_ids;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new TraceError(w.file, w.line, `${path}.hash_ids`, 'must be an array of integers');
  return v.map((x, i) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new TraceError(w.file, w.line, `${path}.hash_ids[${i}]`, `must be a non-negative integer, got ${JSON.stringify(x)}`);
    return x + shift;
  });
}

function stringList(o: Obj, key: string, path: string, w: Where): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new TraceError(w.file, w.line, `${path}.${key}`, `must be an array of strings, got ${JSON.stringify(v)}`);
  return v as string[];
}

function requestList(o: Obj, path: string, w: Where): Obj[] {
  const v = o.requests;
  if (!Array.isArray(v)) throw new TraceError(w.file, w.line, `${path}.requests`, 'must be an array');
  v.forEach((r, i) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new TraceError(w.file, w.line, `${path}.requests[${i}]`, 'must be an object');
  });
  return v as Obj[];
}

function requestTurn(r: Obj, path: string, w: Where, baseMs: number, prev: { t: number; api?: number } | undefined, shift: number): Turn {
  const t = num(r, 't', path, w, true) as number;
  const turn: Turn = { atMs: baseMs + t * 1000, inputTokens: int(r, 'in', path, w), outputTokens: int(r, 'out', path, w), line: w.line };
  const blocks = hashIds(r, path, w, shift);
  if (blocks) turn.blocks = blocks;
  if (typeof r.model === 'string') turn.model = r.model;
  if (typeof r.stop === 'string' && r.stop !== '') turn.stop = r.stop;
  const inputTypes = stringList(r, 'input_types', path, w);
  checkRowKind(r, path, w);
  if (inputTypes) turn.inputTypes = inputTypes;
  const outputTypes = stringList(r, 'output_types', path, w);
  if (outputTypes) turn.outputTypes = outputTypes;
  const endpoint = optionalEndpoint(r, w);
  if (endpoint) turn.endpoint = endpoint;
  const think = num(r, 'think_time', path, w, false);
  const api = num(r, 'api_time', path, w, false);
  const ttft = num(r, 'ttft', path, w, false);
  if (think !== undefined) turn.thinkTimeMs = think * 1000;
  if (api !== undefined) turn.apiTimeMs = api * 1000;
  if (ttft !== undefined) turn.ttftMs = ttft * 1000;
  if (!prev) turn.delayMs = t * 1000;
  else if (think !== undefined) turn.delayMs = think * 1000;
  else turn.delayMs = Math.max(0, (t - prev.t - (prev.api ?? 0)) * 1000);
  return turn;
}

/** Sets the session's system + tool tokens when the trace (or sub-agent entry) gives them. */
function withPrefixTokens(head: SessionHead, o: Obj): SessionHead {
  const s = o.system_tokens;
  const t = o.tool_tokens;
  if (typeof s === 'number' || typeof t === 'number') head.prefixTokens = (typeof s === 'number' ? s : 0) + (typeof t === 'number' ? t : 0);
  if (typeof s === 'number') head.systemTokens = s;
  if (typeof t === 'number') head.toolTokens = t;
  return head;
}

/** Records of one session and, recursively, of its sub-agents, in file order. */
function* sessionRecords(o: Obj, head: SessionHead, path: string, w: Where, shift: number, innerAbsolute: boolean): Generator<TurnRecord> {
  const reqs = requestList(o, path, w);
  let turnIndex = 0;
  let prev: { t: number; api?: number } | undefined;
  let subagents = 0;
  // Relative inner times are seconds since the session's own start; absolute ones since the root's.
  const baseMs = innerAbsolute ? 0 : head.startMs;
  for (let i = 0; i < reqs.length; i++) {
    const r = reqs[i];
    const p = `${path}.requests[${i}]`;
    if (r.type === 'subagent') {
      subagents++;
      const t = num(r, 't', p, w, true) as number;
      const agent = typeof r.agent_id === 'string' ? r.agent_id : `subagent-${subagents}`;
      const inner = requestList(r, p, w);
      const firstT = inner.length ? (num(inner[0], 't', `${p}.requests[0]`, w, true) as number) : 0;
      // HF cc-traces write inner t in root-trace time: the first inner request is not before the entry.
      const absolute = t > 0 && firstT >= t - 0.001;
      const sub: SessionHead = { id: `${head.id}/${agent}`, startMs: baseMs + t * 1000, parentId: head.id, spawnAfterTurn: turnIndex - 1 };
      if (typeof r.subagent_type === 'string') sub.label = r.subagent_type;
      withPrefixTokens(sub, r);
      yield* sessionRecords(r, sub, p, w, shift, absolute);
      continue;
    }
    const turn = requestTurn(r, p, w, baseMs, prev, shift);
    prev = { t: num(r, 't', p, w, true) as number, api: num(r, 'api_time', p, w, false) };
    yield { session: head, turnIndex: turnIndex++, turn };
  }
}

/** The records of one whole trace object (the `index`-th in its file). */
export function traceRecords(o: Obj, index: number, w: Where, ctx: ReadContext): TurnRecord[] {
  const bs = o.block_size ?? KVCACHE_TESTER_BLOCK_SIZE;
  if (typeof bs !== 'number' || !Number.isInteger(bs) || bs <= 0) throw new TraceError(w.file, w.line, 'block_size', `must be a positive integer, got ${JSON.stringify(bs)}`);
  ctx.useBlockSize(bs, w.line, 'block_size');
  const shift = o.hash_id_scope === 'global' ? 0 : index * LOCAL_SCOPE_STRIDE;
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : `trace-${index + 1}`;
  // Materialised per trace (one trace is at most a few MB) so a bad request skips the whole trace.
  return [...sessionRecords(o, withPrefixTokens({ id, startMs: 0 }, o), '', w, shift, false)];
}

function parseObject(text: string, w: Where): Obj {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TraceError(w.file, w.line, undefined, `not valid JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TraceError(w.file, w.line, undefined, 'expected a trace object');
  return v as Obj;
}

/** One trace object per file (pretty-printed or not), or one per line (JSONL). */
export function* kvcacheTesterRecords(src: TraceSource, ctx: ReadContext): Generator<TurnRecord> {
  let index = 0;
  let jsonl: boolean | undefined;
  for (const { text, line } of linesOf(src.chunks())) {
    if (text.trim() === '') continue;
    if (jsonl === undefined) {
      jsonl = text.trim().endsWith('}') && isJsonObject(text);
      if (!jsonl) break;
    }
    const w = { file: ctx.file, line };
    const records = ctx.row(line, () => traceRecords(parseObject(text, w), index, w, ctx));
    index++;
    if (!records) continue;
    if (records.length > 0 && ctx.opts.keepRaw) records[0].raw = text;
    yield* records;
  }
  if (jsonl === false) {
    const w = { file: ctx.file, line: 1 };
    const records = ctx.row(1, () => traceRecords(parseObject(wholeText(src), w), 0, w, ctx));
    if (records) yield* records;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const v = JSON.parse(text);
    return !!v && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}
