// Tells a trace's format from its first bytes (and, for the one ambiguous case, its name).
// The answer carries the reason, so a user who disagrees knows what to pass to --format.

import type { FormatName } from './formats';

export interface Detection {
  format: FormatName;
  reason: string;
}

const has = (o: Record<string, unknown>, ...keys: string[]) => keys.every((k) => k in o);
const hasAny = (o: Record<string, unknown>, ...keys: string[]) => keys.some((k) => k in o);

function firstLine(text: string): string {
  for (const l of text.split('\n')) if (l.trim() !== '') return l.trim();
  return '';
}

function fromJsonRow(row: Record<string, unknown>, rawLine: string, fileName: string): Detection | undefined {
  if ('canonical' in row) return { format: 'canonical', reason: 'a {"canonical": ...} header line' };
  if (Array.isArray(row.requests)) return { format: 'kvcache-tester', reason: 'an object with "requests"' };
  if (has(row, 'num_turns', 'input_prompt_length')) return { format: 'trie', reason: 'rows with num_turns and input_prompt_length' };
  if (Array.isArray(row.conversations)) return { format: 'sharegpt', reason: 'rows with "conversations"' };
  if (Array.isArray(row.input) && hasAny(row, 'pre_gap', 'session_timestamp', 'output_length')) {
    return { format: 'lmcache', reason: 'rows with an "input" message list and output_length/pre_gap' };
  }
  if (hasAny(row, 'session_id', 'delay', 'text_input', 'messages', 'payload', 'extra', 'tools')) {
    return { format: 'aiperf', reason: 'rows with AIPerf fields (session_id, delay, text_input, messages, payload)' };
  }
  if (has(row, 'timestamp', 'input_length', 'hash_ids')) return { format: 'mooncake', reason: 'rows with timestamp, input_length and hash_ids' };
  if (has(row, 'timestamp', 'input_length', 'output_length')) {
    // Same three columns: GuideLLM's timestamps are seconds, Mooncake/AIPerf's milliseconds.
    if (/guidellm/i.test(fileName)) return { format: 'guidellm', reason: 'timestamp/input_length/output_length rows in a file named *guidellm*' };
    if (/"timestamp"\s*:\s*-?\d+\.\d/.test(rawLine)) {
      return { format: 'guidellm', reason: 'timestamp/input_length/output_length rows with fractional timestamps (seconds); pass --format mooncake if they are ms' };
    }
    return { format: 'mooncake', reason: 'timestamp/input_length/output_length rows with whole-number timestamps (ms); pass --format guidellm if they are seconds' };
  }
  return undefined;
}

function fromCsvHeader(line: string): Detection | undefined {
  const cols = line.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  if (cols.includes('TIMESTAMP') && cols.includes('ContextTokens')) return { format: 'azure', reason: 'a CSV header with TIMESTAMP and ContextTokens' };
  if (cols.includes('Timestamp') && cols.includes('Request tokens')) return { format: 'burstgpt', reason: 'a CSV header with Timestamp and Request tokens' };
  return undefined;
}

/**
 * The format of a trace from its first bytes (a few KB are enough) and its file name;
 * undefined when nothing matches.
 */
export function detectTraceFormat(firstBytes: string, fileName = ''): Detection | undefined {
  const text = firstBytes.replace(/^\ufeff/, '');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    return /"conversations"\s*:/.test(trimmed) ? { format: 'sharegpt', reason: 'a JSON array of conversations' } : undefined;
  }
  const line = firstLine(text);
  if (line.startsWith('{')) {
    try {
      const row = JSON.parse(line) as unknown;
      if (row && typeof row === 'object' && !Array.isArray(row)) return fromJsonRow(row as Record<string, unknown>, line, fileName);
    } catch {
      // a pretty-printed document, or a first line longer than the bytes given: look at its keys
      if (/"requests"\s*:/.test(text) && /"(block_size|hash_ids|in)"\s*:/.test(text)) return { format: 'kvcache-tester', reason: 'a JSON document with "requests" and "block_size"/"hash_ids"' };
      if (/"conversations"\s*:/.test(text)) return { format: 'sharegpt', reason: 'a JSON document with "conversations"' };
      if (/"input"\s*:\s*\[/.test(line)) return { format: 'lmcache', reason: 'rows with an "input" message list' };
      if (/"(session_id|messages|payload)"\s*:/.test(line)) return { format: 'aiperf', reason: 'rows with AIPerf fields (session_id, messages, payload)' };
    }
    return undefined;
  }
  return fromCsvHeader(line);
}
