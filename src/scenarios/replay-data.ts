// What the open-loop replay reads before it starts, in Node: the sliced, time-ordered requests
// of the trace (lengths and block ids only; prompt text is built in the look-ahead window, so
// bodies are never held for the whole trace) and the prompt vocabulary.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readTrace } from '../trace/read';
import { TraceError } from '../trace/errors';
import { selectRequests } from '../schedule/openloop';
import type { TimedRequest } from '../trace/model';
import type { ReplayConfig } from '../config/replay';
import { parseVocabulary, syntheticVocabulary } from '../prompt/vocabulary';
import type { Vocabulary } from '../prompt/hashblock';

export interface LoadedTrace {
  requests: TimedRequest[];
  format: string;
  blockSize: number;
  skippedCount: number;
  skipped: string[];
}

/** Trace problems the user can fix: the message names file:line:field and how to go on. */
export class TraceLoadError extends Error {}

export function loadReplayTrace(cfg: ReplayConfig): LoadedTrace {
  let text: string;
  try {
    text = readFileSync(cfg.trace, 'utf8');
  } catch (e) {
    throw new TraceLoadError(`cannot read trace ${cfg.trace}: ${(e as Error).message}`);
  }
  try {
    const trace = readTrace(text, cfg.trace, { format: cfg.format, skipBad: cfg.skipBad, blockSize: cfg.blockSize });
    return {
      requests: selectRequests(trace, { speedup: cfg.speedup, fromMs: cfg.fromMs, toMs: cfg.toMs, maxRequests: cfg.maxRequests }),
      format: trace.format,
      blockSize: cfg.blockSize ?? trace.blockSize ?? 512,
      skippedCount: trace.skippedCount ?? 0,
      skipped: (trace.skipped ?? []).slice(0, 10).map((s) => s.message),
    };
  } catch (e) {
    if (e instanceof TraceError) throw new TraceLoadError(`${e.message} (--skip-bad skips and counts bad rows)`);
    throw e;
  }
}

const VOCAB_DIR = fileURLToPath(new URL('../../data/vocab/', import.meta.url));

/** The prompt vocabulary: built in (synthetic), a shipped list by name, or a file path. */
export function loadVocabulary(name: string): Vocabulary {
  if (name === 'synthetic') return syntheticVocabulary();
  const path = name.includes('/') ? name : `${VOCAB_DIR}${name}.txt`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TraceLoadError(`--vocab ${name}: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseVocabulary(name, text);
}
