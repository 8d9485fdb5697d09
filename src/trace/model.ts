// The canonical trace model: every reader in src/trace/ turns its format into this, and
// everything downstream (schedules, prompts, the trace CLI) reads only this.

import type { Endpoint } from '../openai/request';

/** One request as recorded. */
export interface Turn {
  /** Open loop: when the request arrived, in ms from the trace start (unscaled). */
  atMs?: number;
  /**
   * Closed loop: ms to wait after the previous turn of the session ended. Traces that record
   * both (kv-cache-tester) set both: atMs for "original" timing, delayMs for closed-loop replay.
   */
  delayMs?: number;
  /** Prompt tokens of this request as the server saw them (whole prompt, not the delta). */
  inputTokens: number;
  /** Generated tokens recorded; becomes max_tokens. */
  outputTokens: number;
  /** Prefix-cache block ids (hash_ids), `Trace.blockSize` tokens each, the last one possibly partial. */
  blocks?: number[];
  /** Real message content when the trace carries it (OpenAI chat messages). */
  messages?: unknown[];
  /** Literal prompt text when the trace carries it. */
  text?: string;
  model?: string;
  /** Recorded server time (ms) and client think time before this request (ms), when known. */
  apiTimeMs?: number;
  thinkTimeMs?: number;
  /** Recorded TTFT (ms), when the trace has it. */
  ttftMs?: number;
  /** Extra fields merged into the request body (AIPerf `extra`). */
  extra?: Record<string, unknown>;
  /**
   * Sessions with `accumulates`: tokens this turn appends to the conversation (the new user or
   * tool message). Then inputTokens = previous inputTokens + previous outputTokens + appendTokens.
   */
  appendTokens?: number;
  /** Sessions with `accumulates`: prefix-block ids of the appended content only (AIPerf hash_ids). */
  appendBlocks?: number[];
  /** True when inputTokens (and appendTokens) were estimated from text, not recorded. */
  estimatedTokens?: boolean;
  /** OpenAI tool definitions sent with `messages` (AIPerf `tools`). */
  tools?: unknown[];
  /** A complete request body to send verbatim (AIPerf `payload`). */
  payload?: Record<string, unknown>;
  /** Recorded stop reason (kv-cache-tester `stop`), for reports. */
  stop?: string;
  /** What the client added this turn (kv-cache-tester `input_types`: text, tool_result, ...). */
  inputTypes?: string[];
  /** What the reply held (kv-cache-tester `output_types`: text, thinking, tool_use). */
  outputTypes?: string[];
  /** 1-based line (or record) number in the source file, for error messages. */
  line?: number;
  /** The API the row went to, when the trace says (per-row `endpoint`); else the run's --endpoint. */
  endpoint?: Endpoint;
}

/** A sequence of turns sent one after another (a conversation or an agent). */
export interface Session {
  id: string;
  /** When the session starts, in ms from the trace start. */
  startMs: number;
  /** Set on sub-agents: the session that spawned them. */
  parentId?: string;
  /** Set on sub-agents: index of the parent turn after which they start (the parent waits for them). */
  spawnAfterTurn?: number;
  /**
   * Tokens of the system prompt and tool definitions that open every request of the session
   * (kv-cache-tester `system_tokens` + `tool_tokens`): shared across sessions in production.
   */
  prefixTokens?: number;
  /** The two parts of prefixTokens, when the trace gives them (kv-cache-tester). */
  systemTokens?: number;
  toolTokens?: number;
  /**
   * True when each turn appends to one growing conversation (AIPerf sessions, trie, ShareGPT):
   * a turn's `messages`/`appendTokens`/`appendBlocks` hold only what it adds, and the replay sends
   * the history (earlier messages and the replies received) before it. False or absent: every
   * turn is self-contained (its `blocks` or `messages` describe the whole prompt).
   */
  accumulates?: boolean;
  /** Sub-agent kind or other label from the trace (kv-cache-tester `subagent_type`). */
  label?: string;
  turns: Turn[];
}

export interface Trace {
  /** Format name as detected or given, e.g. 'mooncake'. */
  format: string;
  /** Where the trace came from (file path), for messages. */
  source?: string;
  /** Tokens per prefix block id (`blocks`); 512 for Mooncake, 64 for kv-cache-tester. */
  blockSize?: number;
  sessions: Session[];
  /** Rows skipped with --skip-bad, with the reason of each (capped). */
  skipped?: SkippedRow[];
  skippedCount?: number;
  /** Rows left out on purpose (not errors), counted by reason, e.g. "empty message list". */
  dropped?: Record<string, number>;
}

export interface SkippedRow {
  line: number;
  message: string;
}

