// The server's own tokenizer over HTTP, for --calibrate (src/prompt/calibrate.ts). Servers spell
// the endpoint differently; the first of these that answers a probe with a count is used:
//   llama-cpp-python  POST /extras/tokenize/count {"input": text}                -> {"count": n}
//   vLLM, SGLang      POST /tokenize {"model", "prompt": text, "add_special_tokens": false} -> {"count": n, "tokens": [...]}
//   llama.cpp server  POST /tokenize {"content": text, "add_special": false}     -> {"tokens": [...]}
// llama-cpp-python's endpoint adds BOS when the model asks for one, so the count of the empty
// text (the endpoint's own tokens) is taken off every count. The prompt tokens of a whole request come from a non-streamed request
// with max_tokens 1 and its usage.prompt_tokens, which every one of them reports.

import type { Agent } from 'undici';
import { RERANK_QUERY_TOKENS } from '../openai/pooling/request';
import { buildBody, ENDPOINT_PATHS } from '../openai/request';
import type { Endpoint } from '../config/replay';
import { parseCompletionBody } from '../openai/stream';
import { networkReason } from '../outputs/http';
import { CalibrationError, type TokenCounter } from '../prompt/calibrate';

interface Dialect {
  name: string;
  path: string;
  body(text: string, model: string): Record<string, unknown>;
  read(answer: Record<string, unknown>): number | undefined;
}

const DIALECTS: Dialect[] = [
  {
    name: 'llama-cpp-python', path: '/extras/tokenize/count',
    body: (text, model) => ({ input: text, model }),
    read: (a) => (typeof a.count === 'number' ? a.count : undefined),
  },
  {
    name: 'vllm', path: '/tokenize',
    body: (text, model) => ({ model, prompt: text, add_special_tokens: false }),
    read: (a) => (typeof a.count === 'number' ? a.count : undefined),
  },
  {
    name: 'llama.cpp', path: '/tokenize',
    body: (text) => ({ content: text, add_special: false }),
    read: (a) => (Array.isArray(a.tokens) ? a.tokens.length : undefined),
  },
];

export interface ServerTarget {
  baseUrl: string;
  model: string;
  endpoint: Endpoint;
  apiKey?: string;
}

const TIMEOUT_MS = 60_000;

/** A TokenCounter on a server's tokenize endpoint; close() when done. */
export class HttpTokenCounter implements TokenCounter {
  /** Tokens the endpoint adds to any text on its own (BOS), taken off every count. */
  private base = 0;

  private constructor(private readonly t: ServerTarget, private readonly agent: Agent, readonly dialect: Dialect) {}

  /** Probes the known endpoints in turn; the error lists what each answered. */
  static async open(t: ServerTarget): Promise<HttpTokenCounter> {
    // undici only when --calibrate asks: a run without it never compiles it.
    const { Agent } = await import('undici');
    const agent = new Agent({ connections: 16 });
    const tried: string[] = [];
    for (const d of DIALECTS) {
      const answer = await post(agent, t, d.path, d.body('hello world', t.model));
      const n = answer.json ? d.read(answer.json) : undefined;
      if (n !== undefined && n > 0) {
        const counter = new HttpTokenCounter(t, agent, d);
        // An endpoint that refuses the empty text adds nothing we could see: 0.
        counter.base = await counter.count('').catch(() => 0);
        return counter;
      }
      tried.push(`${d.path} (${d.name}): ${answer.problem ?? 'no count in the answer'}`);
    }
    await agent.close();
    throw new CalibrationError(`--calibrate: ${t.baseUrl} has no tokenize endpoint we know; tried ${tried.join('; ')}. Pass --vocab and --template-tokens instead`);
  }

  async count(text: string): Promise<number> {
    const answer = await post(this.agent, this.t, this.dialect.path, this.dialect.body(text, this.t.model));
    const n = answer.json ? this.dialect.read(answer.json) : undefined;
    if (n === undefined) throw new CalibrationError(`--calibrate: ${this.t.baseUrl}${this.dialect.path} failed: ${answer.problem ?? 'no count in the answer'}`);
    return n - this.base;
  }

  async promptTokens(text: string): Promise<number> {
    const body = buildBody({ endpoint: this.t.endpoint, model: this.t.model, prompt: text, maxTokens: 1, stream: false, ignoreEos: false });
    const path = ENDPOINT_PATHS[this.t.endpoint];
    const answer = await post(this.agent, this.t, path, body);
    const usage = answer.text !== undefined ? parseCompletionBody(answer.text, this.t.endpoint).usage : undefined;
    if (!usage) {
      throw new CalibrationError(`--calibrate: ${this.t.baseUrl}${path} gave no usage.prompt_tokens (${answer.problem ?? 'no usage in the answer'}), so the template overhead cannot be measured: pass --template-tokens N`);
    }
    // Rerank counts its query too; the replay takes that off on its own (promptOverhead).
    return this.t.endpoint === 'rerank' ? usage.promptTokens - RERANK_QUERY_TOKENS : usage.promptTokens;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

interface Answer {
  json?: Record<string, unknown>;
  text?: string;
  problem?: string;
}

async function post(agent: Agent, t: ServerTarget, path: string, body: Record<string, unknown>): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (t.apiKey) headers.authorization = `Bearer ${t.apiKey}`;
  try {
    const { request } = await import('undici');
    const res = await request(t.baseUrl + path, { method: 'POST', dispatcher: agent, headers, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.body.text();
    if (res.statusCode !== 200) return { text, problem: `HTTP ${res.statusCode} ${text.slice(0, 120)}` };
    try {
      const json = JSON.parse(text) as unknown;
      return typeof json === 'object' && json !== null ? { json: json as Record<string, unknown>, text } : { text, problem: 'not a JSON object' };
    } catch {
      return { text, problem: `not JSON: ${text.slice(0, 80)}` };
    }
  } catch (err) {
    return { problem: (err as Error).name === 'TimeoutError' ? `timeout after ${TIMEOUT_MS / 1000}s` : networkReason(err) };
  }
}
