// Command-line options of the simulator server: one table drives parsing, validation and
// --help. Engine parameters start from a preset (--preset) and any flag overrides them.

import { parseArgs } from 'node:util';
import { type FaultPlan, DEFAULT_FAULT_KINDS, FaultSpecError, parseFaultKinds } from './faults.js';
import { OFFLOAD_OPTS, resolveOffload } from './offload-options.js';
import { type Kind, type OptDef, OptionsError, num } from './option-parse.js';
import { FLAVORS, type Flavor, isFlavor } from './flavors/flavor.js';
import { PRESETS } from './presets.js';
import { tokenizerNames } from './tokenizer.js';
import type { EngineOptions } from './engine.js';

export interface SimOptions {
  host: string;
  port: number;
  portFile?: string;
  model: string;
  /** The server whose bytes, errors, endpoints and metric names the simulator speaks. */
  flavor: Flavor;
  strictModel: boolean;
  maxModelLen: number;
  tokenizer: string;
  chatTemplateTokens: number;
  defaultMaxTokens: number;
  groundTruth?: string;
  preset: string;
  engine: EngineOptions;
  faultRate: number;
  faultKinds: FaultPlan[];
  faultKindsText: string;
  seed: number;
  faultHeader: boolean;
  separateFinishChunk: boolean;
  promptTokensDetails: boolean;
  earlyRole: boolean;
  /** Tokens per streamed chunk (>1: as speculative decoding delivers them). */
  tokensPerChunk: number;
  /** Chat: the first N output tokens of every response are reasoning (x-sim-reasoning overrides). */
  reasoningTokens: number;
  maxBodyBytes: number;
  /** Worker threads that parse and tokenize bodies; 0 = in the server thread. */
  prepThreads: number;
  shutdownGraceMs: number;
  quiet: boolean;
}

export { OptionsError };

const OPTS: OptDef[] = [
  { name: 'host', kind: 'string', arg: 'ADDR', group: 'Server', def: '127.0.0.1', help: 'address to listen on (keep loopback unless you mean it)' },
  { name: 'port', kind: 'string', arg: 'N', group: 'Server', def: '8000', help: 'TCP port; 0 picks a free one' },
  { name: 'port-file', kind: 'string', arg: 'PATH', group: 'Server', help: 'write the port number to PATH once listening' },
  { name: 'model', kind: 'string', arg: 'NAME', group: 'Server', def: 'sim-model', help: 'served model name (/v1/models, metrics model_name label)' },
  { name: 'flavor', kind: 'string', arg: 'NAME', group: 'Server', def: 'vllm', help: `the server to speak like on the wire (${FLAVORS.join(', ')}): chunk bytes, error bodies, /v1/models, tokenize endpoint, /metrics names, prompt + max_tokens over the context (vllm lowers max_tokens, sglang 400s, llamacpp stops at the context); see docs/simulator.md` },
  { name: 'strict-model', kind: 'boolean', group: 'Server', help: 'answer 404 to requests naming another model (default: serve any name)' },
  { name: 'ground-truth', kind: 'string', arg: 'PATH', group: 'Server', help: 'write one JSONL record per request to PATH' },
  { name: 'time-scale', kind: 'string', arg: 'S', group: 'Server', def: '1', help: 'multiply every modelled duration by S (0.1 = 10x faster)' },
  { name: 'spin-ms', kind: 'string', arg: 'MS', group: 'Server', def: '1', help: 'busy-poll the last MS (at most 10% of the step) before each step deadline; 0 = timers only' },
  { name: 'max-body-mb', kind: 'string', arg: 'MB', group: 'Server', def: '64', help: 'largest request body accepted (413 above)' },
  { name: 'prep-threads', kind: 'string', arg: 'N', group: 'Server', def: '1', help: 'worker threads that parse and tokenize request bodies, off the thread that stamps arrivals and writes tokens; 0 = in that thread' },
  { name: 'shutdown-grace-ms', kind: 'string', arg: 'MS', group: 'Server', def: '2000', help: 'on SIGTERM/SIGINT, let in-flight requests finish this long, then abort them' },
  { name: 'quiet', kind: 'boolean', group: 'Server', help: 'print only the listening line and errors' },

  { name: 'tokenizer', kind: 'string', arg: 'NAME', group: 'Tokens', def: 'words', help: 'how prompts are counted and hashed' },
  { name: 'chat-template-tokens', kind: 'string', arg: 'N', group: 'Tokens', def: '0', help: 'tokens a chat template adds to every chat prompt' },
  { name: 'default-max-tokens', kind: 'string', arg: 'N', group: 'Tokens', def: '16', help: 'output length when a request sets no max_tokens' },
  { name: 'max-model-len', kind: 'string', arg: 'N', group: 'Tokens', help: 'context length: prompt + max_tokens above it is a 400' },

  { name: 'preset', kind: 'string', arg: 'NAME', group: 'Engine', def: 'small', help: `engine preset: ${Object.entries(PRESETS).map(([k, p]) => `${k} (${p.description})`).join('; ')}` },
  { name: 'max-num-seqs', kind: 'string', arg: 'N', group: 'Engine', help: 'most sequences running at once' },
  { name: 'max-num-batched-tokens', kind: 'string', arg: 'N', group: 'Engine', help: 'token budget of one step (decode + prefill chunks)' },
  { name: 'block-size', kind: 'string', arg: 'N', group: 'Engine', help: 'tokens per KV block (prefix-cache granularity)' },
  { name: 'kv-blocks', kind: 'string', arg: 'N', group: 'Engine', help: 'KV cache capacity in blocks' },
  { name: 'no-prefix-cache', kind: 'boolean', group: 'Engine', help: 'disable prefix caching' },
  { name: 'no-chunked-prefill', kind: 'boolean', group: 'Engine', help: 'prefill a prompt in one step (needs max-num-batched-tokens >= max-model-len)' },
  { name: 'preemption', kind: 'string', arg: 'MODE', group: 'Engine', def: 'recompute', help: 'recompute: grow KV on demand, preempt the newest sequence when full (vLLM); reserve: reserve prompt+max_tokens at admission' },
  { name: 'step-base-ms', kind: 'string', arg: 'MS', group: 'Engine', help: 'cost model: fixed cost of a step' },
  { name: 'prefill-token-ms', kind: 'string', arg: 'MS', group: 'Engine', help: 'cost model: per uncached prompt token computed' },
  { name: 'decode-seq-ms', kind: 'string', arg: 'MS', group: 'Engine', help: 'cost model: per sequence decoding in the step' },
  { name: 'context-token-ms', kind: 'string', arg: 'MS', group: 'Engine', help: 'cost model: per token of KV attended over' },
  ...OFFLOAD_OPTS,

  { name: 'fault-rate', kind: 'string', arg: 'P', group: 'Faults', def: '0', help: 'probability a request gets a random fault' },
  { name: 'fault-kinds', kind: 'string', arg: 'LIST', group: 'Faults', def: DEFAULT_FAULT_KINDS, help: 'faults to draw from, comma-separated (see x-sim-fault)' },
  { name: 'seed', kind: 'string', arg: 'N', group: 'Faults', def: '0', help: 'seed of the fault draw (deterministic per request id)' },
  { name: 'no-fault-header', kind: 'boolean', group: 'Faults', help: 'ignore x-sim-fault request headers' },

  { name: 'separate-finish-chunk', kind: 'boolean', group: 'Streaming', help: 'send finish_reason on its own empty chunk after the last token' },
  { name: 'no-prompt-tokens-details', kind: 'boolean', group: 'Streaming', help: 'usage.prompt_tokens_details = null (vLLM without --enable-prompt-tokens-details)' },
  { name: 'early-role', kind: 'boolean', group: 'Streaming', help: 'send the role-only chunk when the request is scheduled, not with the first token' },
  { name: 'tokens-per-chunk', kind: 'string', arg: 'K', group: 'Streaming', def: '1', help: 'stream K tokens per chunk (as speculative decoding does); stream_options.continuous_usage_stats puts usage on every chunk' },
  { name: 'reasoning-tokens', kind: 'string', arg: 'N', group: 'Streaming', def: '0', help: 'chat: the first N output tokens of every response are reasoning (x-sim-reasoning overrides)' },
];

export function helpText(): string {
  const lines = [
    'Usage: llm-replay sim [options]            (or: node --import tsx src/sim/main.ts [options])',
    '       llm-replay sim summarize GROUND_TRUTH.jsonl [--json]',
    '',
    'An OpenAI-compatible streaming server that behaves like a vLLM, SGLang or llama.cpp instance',
    '(--flavor; continuous batching, prefix cache, /metrics, faults) and logs the ground truth of',
    'every request. See docs/simulator.md.',
  ];
  let group = '';
  for (const o of OPTS) {
    if (o.group !== group) {
      group = o.group;
      lines.push('', `${group}:`);
    }
    const flag = `  --${o.name}${o.arg ? ' ' + o.arg : ''}`;
    const def = o.def !== undefined ? ` [${o.def}]` : '';
    lines.push(flag.padEnd(34) + o.help + def);
  }
  lines.push(
    '',
    'Request headers:',
    '  X-Request-Id: ID          key of the ground-truth record (echoed back; generated if absent);',
    '                            the sglang flavor keys it by the body\'s "rid" when there is one',
    '  x-sim-fault: SPEC         status=429 | stall=MS[@N] | cut=N | malformed=N | mid-error=N | slow-first-byte=MS',
    '  x-sim-reasoning: N        the first N tokens arrive as delta.reasoning / reasoning_content',
    '  x-sim-tool-call: 1        the output arrives as tool-call argument fragments',
    '',
  );
  return lines.join('\n');
}

/** Parses argv (without node and script). Throws OptionsError with a message naming the flag. */
export function parseOptions(argv: string[]): SimOptions | 'help' {
  const config: Record<string, { type: Kind }> = { help: { type: 'boolean' } };
  for (const o of OPTS) config[o.name] = { type: o.kind };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: config, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> });
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  if (values.help) return 'help';
  const s = (k: string): string | undefined => values[k] as string | undefined;
  const b = (k: string): boolean => values[k] === true;

  const presetName = s('preset') ?? 'small';
  const preset = PRESETS[presetName];
  if (!preset) throw new OptionsError(`--preset: unknown preset "${presetName}" (known: ${Object.keys(PRESETS).join(', ')})`);

  const flavor = s('flavor') ?? 'vllm';
  if (!isFlavor(flavor)) throw new OptionsError(`--flavor: unknown flavor "${flavor}" (known: ${FLAVORS.join(', ')})`);

  const tokenizer = s('tokenizer') ?? 'words';
  if (!tokenizerNames().includes(tokenizer)) throw new OptionsError(`--tokenizer: unknown tokenizer "${tokenizer}" (known: ${tokenizerNames().join(', ')})`);

  const preemption = s('preemption') ?? 'recompute';
  if (preemption !== 'recompute' && preemption !== 'reserve') throw new OptionsError(`--preemption: expected recompute or reserve, got "${preemption}"`);

  let faultKinds: FaultPlan[];
  const faultKindsText = s('fault-kinds') ?? DEFAULT_FAULT_KINDS;
  try {
    faultKinds = parseFaultKinds(faultKindsText);
  } catch (e) {
    if (e instanceof FaultSpecError) throw new OptionsError(`--fault-kinds: ${e.message}`);
    throw e;
  }

  const engine: EngineOptions = {
    maxNumSeqs: num(s('max-num-seqs'), 'max-num-seqs', { int: true, min: 1 }) ?? preset.maxNumSeqs,
    maxNumBatchedTokens: num(s('max-num-batched-tokens'), 'max-num-batched-tokens', { int: true, min: 1 }) ?? preset.maxNumBatchedTokens,
    blockSize: num(s('block-size'), 'block-size', { int: true, min: 1 }) ?? preset.blockSize,
    kvBlocks: num(s('kv-blocks'), 'kv-blocks', { int: true, min: 1 }) ?? preset.kvBlocks,
    prefixCaching: !b('no-prefix-cache'),
    chunkedPrefill: !b('no-chunked-prefill'),
    preemption,
    cost: {
      stepBaseMs: num(s('step-base-ms'), 'step-base-ms', { min: 0 }) ?? preset.cost.stepBaseMs,
      prefillTokenMs: num(s('prefill-token-ms'), 'prefill-token-ms', { min: 0 }) ?? preset.cost.prefillTokenMs,
      decodeSeqMs: num(s('decode-seq-ms'), 'decode-seq-ms', { min: 0 }) ?? preset.cost.decodeSeqMs,
      contextTokenMs: num(s('context-token-ms'), 'context-token-ms', { min: 0 }) ?? preset.cost.contextTokenMs,
    },
    timeScale: num(s('time-scale'), 'time-scale', { gt: 0 }) ?? 1,
    spinMs: num(s('spin-ms'), 'spin-ms', { min: 0, max: 50 }) ?? 1,
  };
  engine.offload = resolveOffload(s, preset, engine.blockSize, engine.prefixCaching);
  const c = engine.cost;
  if (c.stepBaseMs + c.prefillTokenMs + c.decodeSeqMs + c.contextTokenMs <= 0)
    throw new OptionsError('cost model: every step would take 0 ms; give --step-base-ms a positive value');
  const maxModelLen = num(s('max-model-len'), 'max-model-len', { int: true, min: 1 }) ?? preset.maxModelLen;
  if (!engine.chunkedPrefill && engine.maxNumBatchedTokens < maxModelLen)
    throw new OptionsError(`--no-chunked-prefill needs --max-num-batched-tokens (${engine.maxNumBatchedTokens}) >= --max-model-len (${maxModelLen})`);

  return {
    host: s('host') ?? '127.0.0.1',
    port: num(s('port'), 'port', { int: true, min: 0, max: 65535 }) ?? 8000,
    portFile: s('port-file'),
    model: s('model') ?? 'sim-model',
    flavor,
    strictModel: b('strict-model'),
    maxModelLen,
    tokenizer,
    chatTemplateTokens: num(s('chat-template-tokens'), 'chat-template-tokens', { int: true, min: 0 }) ?? 0,
    defaultMaxTokens: num(s('default-max-tokens'), 'default-max-tokens', { int: true, min: 1 }) ?? 16,
    groundTruth: s('ground-truth'),
    preset: presetName,
    engine,
    faultRate: num(s('fault-rate'), 'fault-rate', { min: 0, max: 1 }) ?? 0,
    faultKinds,
    faultKindsText,
    seed: num(s('seed'), 'seed', { int: true }) ?? 0,
    faultHeader: !b('no-fault-header'),
    separateFinishChunk: b('separate-finish-chunk'),
    promptTokensDetails: !b('no-prompt-tokens-details'),
    earlyRole: b('early-role'),
    tokensPerChunk: num(s('tokens-per-chunk'), 'tokens-per-chunk', { int: true, min: 1, max: 1024 }) ?? 1,
    reasoningTokens: num(s('reasoning-tokens'), 'reasoning-tokens', { int: true, min: 0 }) ?? 0,
    maxBodyBytes: Math.round((num(s('max-body-mb'), 'max-body-mb', { gt: 0 }) ?? 64) * 1024 * 1024),
    prepThreads: num(s('prep-threads'), 'prep-threads', { int: true, min: 0, max: 64 }) ?? 1,
    shutdownGraceMs: num(s('shutdown-grace-ms'), 'shutdown-grace-ms', { min: 0 }) ?? 2000,
    quiet: b('quiet'),
  };
}
