// The format readers by name: each turns a TraceSource into TurnRecords of the canonical model.

import type { ReadContext, TurnRecord } from '../records';
import type { TraceSource } from '../source';
import { aiperfRecords } from './aiperf';
import { azureRecords } from './azure';
import { burstgptRecords } from './burstgpt';
import { canonicalRecords } from './canonical';
import { guidellmRecords } from './guidellm';
import { kvcacheTesterRecords } from './kvcache-tester';
import { lmcacheRecords } from './lmcache';
import { mooncakeRecords } from './mooncake';
import { sharegptRecords } from './sharegpt';
import { trieRecords } from './trie';

export type RecordReader = (src: TraceSource, ctx: ReadContext) => Iterable<TurnRecord>;

export interface FormatInfo {
  read: RecordReader;
  /** One line for --help. */
  description: string;
  /** Rows are JSON lines or CSV lines that can be copied verbatim (trace slice keeps the format). */
  lineBased: boolean;
}

export const FORMATS = {
  mooncake: { read: mooncakeRecords, lineBased: true, description: 'Mooncake JSONL: timestamp (ms), input_length, output_length, hash_ids (512-token blocks)' },
  aiperf: { read: aiperfRecords, lineBased: true, description: 'AIPerf mooncake_trace JSONL with session_id, timestamp/delay (ms), input_length|text_input|messages|payload' },
  azure: { read: azureRecords, lineBased: true, description: 'Azure LLM inference CSV (2023/2024): TIMESTAMP, ContextTokens, GeneratedTokens' },
  burstgpt: { read: burstgptRecords, lineBased: true, description: 'BurstGPT CSV: Timestamp (s), Request tokens, Response tokens[, Session ID, Elapsed time]' },
  'kvcache-tester': { read: kvcacheTesterRecords, lineBased: false, description: 'kv-cache-tester/WEKA JSON: requests with t (s), in, out, hash_ids (64-token blocks), subagents' },
  trie: { read: trieRecords, lineBased: true, description: 'trie agentic JSONL: num_turns, input_prompt_length, per-turn response/tool lengths and latencies' },
  sharegpt: { read: sharegptRecords, lineBased: false, description: 'ShareGPT conversations: [{id, conversations: [{from, value}]}] (array or JSONL)' },
  guidellm: { read: guidellmRecords, lineBased: true, description: 'GuideLLM replay JSONL: timestamp (s), input_length, output_length' },
  lmcache: { read: lmcacheRecords, lineBased: true, description: 'LMCache agentic JSONL: session_id, input (full messages, explicit nulls), output_length, pre_gap (s)' },
  canonical: { read: canonicalRecords, lineBased: true, description: "this project's canonical JSONL (header line, then one session per line)" },
} satisfies Record<string, FormatInfo>;

export type FormatName = keyof typeof FORMATS;

export function formatNames(): FormatName[] {
  return Object.keys(FORMATS) as FormatName[];
}

export function isFormatName(name: string): name is FormatName {
  return Object.prototype.hasOwnProperty.call(FORMATS, name);
}
