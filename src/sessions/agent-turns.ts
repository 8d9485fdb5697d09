// A recorded coding-agent session (kv-cache-tester's capture of Claude Code) replayed as the
// agent really talks on Anthropic Messages or OpenAI Responses: the system prompt and tool
// definitions open every request, each reply that called tools comes back as an assistant turn
// carrying tool_use blocks (Responses: function_call items), and the next turn answers them
// with tool_result blocks (function_call_output items) naming the same ids. Sub-agents are
// agents of their own (the runner gives each its own AgentTurns), opened by the parent's Task
// calls.
//
// The words come from the turn's hash-block prompt (src/sessions/prompt.ts), in order: system,
// tool descriptions, then the conversation, so a turn's prompt is its previous prompt plus the
// new turns and the server's prefix cache sees the reuse the trace recorded. Lengths are exact
// on the simulator, which counts whitespace-separated words of every text it reads (tool
// definitions and tool inputs as JSON): each piece is counted as the server will count it and
// the last piece of every request takes the rest. On a real server the JSON skeleton around tool
// definitions, calls and results adds tokenizer-dependent tokens that --calibrate (one user
// message) does not measure; the summary's prompt-length check shows the difference.
//
// Which turn is a tool turn: the previous reply called tools when the trace says so (its
// `output_types` has tool_use or it stopped on `tool_use`, or this turn's `input_types` has
// tool_result). The trace records no call count: one call per turn, one Task call per sub-agent
// the turn spawns. Tool names and schemas are Claude Code's (the trace records only the size of
// the definitions); the assistant's call input takes the recorded output length (capped so the
// results keep a word each).

import type { PlannedAgent, PlannedTurn } from './plan';
import { countWords } from '../prompt/words';

export type AgentApi = 'messages' | 'responses';

/** Claude Code's tools (names and their main argument); descriptions carry the recorded tokens. */
const TOOLS: ReadonlyArray<{ name: string; param: string }> = [
  { name: 'Task', param: 'prompt' },
  { name: 'Bash', param: 'command' },
  { name: 'Read', param: 'file_path' },
  { name: 'Grep', param: 'pattern' },
  { name: 'Glob', param: 'pattern' },
  { name: 'Edit', param: 'new_string' },
  { name: 'Write', param: 'content' },
  { name: 'TodoWrite', param: 'todos' },
];
/** Tools a plain (non-spawning) turn calls, in turn order. */
const WORK_TOOLS = TOOLS.slice(1);

/** A cursor over a text of words separated by single spaces (the hash-block prompts). */
class Words {
  private at = 0;

  constructor(private readonly text: string, skip: number) {
    this.take(skip);
  }

  /** The next `n` words (fewer when the text ends). */
  take(n: number): string {
    const start = this.at;
    let end = start;
    for (let k = 0; k < n && end < this.text.length; k++) {
      const sp = this.text.indexOf(' ', end);
      end = sp < 0 ? this.text.length : sp + 1;
    }
    this.at = end;
    return this.text.slice(start, end).trimEnd();
  }
}

/** `total` split into `parts` near-equal shares, each at least 1 (total >= parts). */
function shares(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

export interface AgentTurnsOptions {
  api: AgentApi;
  /** --responses-state server: continue the stored response and send only the new items. */
  serverState: boolean;
  /** Tag that makes tool call ids unique in the run (agent index). */
  tag: string;
}

/** The parts of a request body a turn contributes (merged into the API's body by the caller). */
export interface AgentRequest {
  system: string;
  tools: unknown[];
  /** Messages (Messages API) or input items (Responses), as this request sends them. */
  messages: unknown[];
  previousResponseId?: string;
}

/** True when the trace records what the agent's turns carried (kv-cache-tester). */
export function isRecordedAgent(agent: PlannedAgent): boolean {
  return agent.systemTokens !== undefined || agent.toolTokens !== undefined || agent.turns.some((t) => t.inputTypes !== undefined || t.outputTypes !== undefined);
}

function calledTools(prev: PlannedTurn, turn: PlannedTurn): boolean {
  return !!prev.outputTypes?.includes('tool_use') || prev.stop === 'tool_use' || !!turn.inputTypes?.includes('tool_result');
}

export class AgentTurns {
  /** The conversation as the server holds it after the last request (client state: as last sent). */
  private history: unknown[] = [];
  /** Words the server counted in `history` plus system and tools. */
  private words = 0;
  /** Text words consumed beyond the server's count (tool descriptions glued by JSON). */
  private drift = 0;
  private system = '';
  private tools: unknown[] = [];
  /** Block ids of the last turn (a turn that keeps fewer starts a new conversation). */
  private lastIds = 0;
  /** Server state: the stored response to continue and how much of `history` it holds. */
  private previous?: { id: string; held: number };

  constructor(private readonly agent: PlannedAgent, private readonly o: AgentTurnsOptions) {}

  /** Word budget (server count) of the new turns when turn `i` continues the conversation; undefined: start over. */
  private continuing(i: number, tokens: number): number | undefined {
    const turn = this.agent.turns[i];
    if (i === 0 || this.history.length === 0 || turn.keep < this.lastIds) return undefined;
    const prev = this.agent.turns[i - 1];
    const need = calledTools(prev, turn) ? 2 * Math.max(1, prev.spawns.length) : 2;
    const budget = tokens - this.words;
    return budget >= need ? budget : undefined;
  }

  /** Text words turn `i` needs from its block prompt for a prompt of `tokens` tokens. */
  textWords(i: number, tokens: number): number {
    if (this.continuing(i, tokens) !== undefined) return tokens + this.drift;
    return tokens + this.freshDrift(tokens);
  }

  private freshSizes(tokens: number): { system: number; tools: number; count: number } {
    const system = Math.min(this.agent.systemTokens ?? 0, tokens - 1);
    const tools = Math.min(this.agent.toolTokens ?? 0, tokens - 1 - system);
    return { system, tools, count: Math.min(TOOLS.length, tools) };
  }

  private freshDrift(tokens: number): number {
    return Math.max(0, this.freshSizes(tokens).count - 1);
  }

  private toolDefinitions(words: Words, total: number, count: number): unknown[] {
    if (count === 0) return [];
    // Adjacent descriptions glue into one whitespace word across the JSON between them: take one more word per join.
    return shares(total + count - 1, count).map((n, k) => {
      const { name, param } = TOOLS[k];
      const schema = { type: 'object', properties: { [param]: { type: 'string' } }, required: [param] };
      const description = words.take(n);
      return this.o.api === 'messages' ? { name, description, input_schema: schema } : { type: 'function', name, description, parameters: schema };
    });
  }

  /** Starts a conversation: system prompt, tool definitions, one user message. */
  private start(text: string, tokens: number): void {
    const sizes = this.freshSizes(tokens);
    const words = new Words(text, 0);
    this.system = words.take(sizes.system);
    this.tools = this.toolDefinitions(words, sizes.tools, sizes.count);
    const toolWords = this.tools.length ? countWords(JSON.stringify(this.tools)) : 0;
    if (toolWords !== sizes.tools) throw new Error(`tool definitions count ${toolWords} words, expected ${sizes.tools}`);
    this.drift = Math.max(0, sizes.count - 1);
    const user = words.take(tokens - sizes.system - sizes.tools);
    this.history = [{ role: 'user', content: user }];
    this.words = tokens;
    this.previous = undefined;
  }

  /** Appends the reply turn i-1 gave (its tool calls or text) and what turn i sends back. */
  private append(i: number, text: string, budget: number): void {
    const prev = this.agent.turns[i - 1];
    const turn = this.agent.turns[i];
    const words = new Words(text, this.words + this.drift);
    const spawning = prev.spawns.length > 0;
    const calls = calledTools(prev, turn) ? Math.max(1, prev.spawns.length) : 0;
    const parts = Math.max(1, calls);
    const asked = Math.min(Math.max(prev.outputTokens, parts), budget - parts);
    const answer = shares(asked, parts);
    const back = shares(budget - asked, parts);
    const api = this.o.api;
    if (calls === 0) {
      const reply = words.take(answer[0]);
      const ask = words.take(back[0]);
      this.history.push(api === 'messages' ? { role: 'assistant', content: [{ type: 'text', text: reply }] } : { role: 'assistant', content: reply });
      this.history.push({ role: 'user', content: ask });
    } else {
      const ids = answer.map((_, k) => `${api === 'messages' ? 'toolu' : 'call'}_${this.o.tag}_t${i - 1}_${k}`);
      const tool = (k: number) => (spawning ? TOOLS[0] : WORK_TOOLS[(i - 1 + k) % WORK_TOOLS.length]);
      const inputs = answer.map((n, k) => ({ [tool(k).param]: words.take(n) }));
      const outputs = back.map((n) => words.take(n));
      if (api === 'messages') {
        this.history.push({ role: 'assistant', content: ids.map((id, k) => ({ type: 'tool_use', id, name: tool(k).name, input: inputs[k] })) });
        this.history.push({ role: 'user', content: ids.map((id, k) => ({ type: 'tool_result', tool_use_id: id, content: outputs[k] })) });
      } else {
        ids.forEach((id, k) => this.history.push({ type: 'function_call', call_id: id, name: tool(k).name, arguments: JSON.stringify(inputs[k]) }));
        ids.forEach((id, k) => this.history.push({ type: 'function_call_output', call_id: id, output: outputs[k] }));
      }
    }
    this.words += budget;
  }

  /**
   * The request of turn `i` with a prompt of `tokens` tokens; `text` is the turn's block
   * prompt of `textWords(i, tokens)` words.
   */
  request(i: number, tokens: number, text: string): AgentRequest {
    const budget = this.continuing(i, tokens);
    const held = this.previous;
    if (budget === undefined) this.start(text, tokens);
    else this.append(i, text, budget);
    const turn = this.agent.turns[i];
    this.lastIds = turn.keep + turn.add.length;
    const continued = budget !== undefined && held !== undefined;
    const req: AgentRequest = { system: this.system, tools: this.tools, messages: continued ? this.history.slice(held.held) : this.history.slice() };
    if (continued) req.previousResponseId = held.id;
    return req;
  }

  /**
   * What the server answered turn `i`. Server state: the stored response holds the reply text
   * (it counts in the next prompt); without one (a failed turn) the next request sends the
   * whole conversation again.
   */
  reply(responseId: string | undefined, replyText: string | undefined): void {
    if (!this.o.serverState) return;
    if (responseId === undefined || replyText === undefined) {
      this.previous = undefined;
      return;
    }
    this.history.push({ role: 'assistant', content: replyText });
    this.words += countWords(replyText);
    this.previous = { id: responseId, held: this.history.length };
  }
}
