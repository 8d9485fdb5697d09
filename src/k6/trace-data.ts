// Trace data inside k6: read and sliced once (SharedArray), shared read-only by every VU.

import { SharedArray } from 'k6/data';
import { readTrace } from '../trace/read';
import { TraceError } from '../trace/errors';
import { selectRequests } from '../trace/open-loop';
import type { TimedRequest } from '../schedule/openloop';
import type { ReplayConfig } from '../config/replay';
import { parseVocabulary, syntheticVocabulary } from '../prompt/vocabulary';
import type { Vocabulary } from '../prompt/hashblock';

/** k6's open() resolves relative paths against the script's folder; users mean the working directory. */
export function resolvePath(path: string): string {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) return path;
  const pwd = __ENV.PWD;
  return pwd ? `${pwd.replace(/\/+$/, '')}/${path}` : path;
}

/** What SharedArray gives back: indexed read-only copies. */
export interface SharedList<T> {
  readonly length: number;
  readonly [index: number]: T;
}

/** A bad row stops the replay; say how to skip such rows instead. */
function withSkipHint<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof TraceError) throw new Error(`${e.message} (-e SKIP_BAD=true skips and counts bad rows)`);
    throw e;
  }
}

export interface TraceMeta {
  format: string;
  blockSize: number;
  skippedCount: number;
  skipped: string[];
}

/** The sliced, time-ordered requests of the trace (one SharedArray element each) and facts about it. */
export function loadOpenLoopRequests(cfg: ReplayConfig): { requests: SharedList<TimedRequest>; meta: TraceMeta } {
  let meta: TraceMeta | undefined;
  const requests = new SharedArray<TimedRequest>('replay-requests', () => {
    const trace = withSkipHint(() => readTrace(open(resolvePath(cfg.trace)), cfg.trace, { format: cfg.format, skipBad: cfg.skipBad, blockSize: cfg.blockSize }));
    meta = {
      format: trace.format,
      blockSize: cfg.blockSize ?? trace.blockSize ?? 512,
      skippedCount: trace.skippedCount ?? 0,
      skipped: (trace.skipped ?? []).slice(0, 10).map((s) => s.message),
    };
    return selectRequests(trace, { speedup: cfg.speedup, fromMs: cfg.fromMs, toMs: cfg.toMs, maxRequests: cfg.maxRequests });
  });
  // Only the VU that built the array saw the trace: share its facts the same way.
  const metaArray = new SharedArray<TraceMeta>('replay-trace-meta', () => {
    if (!meta) throw new Error('internal: trace metadata missing');
    return [meta];
  });
  return { requests, meta: metaArray[0] };
}

/** The prompt vocabulary: built in (synthetic) or a word list from data/vocab/<name>.txt. */
export function loadVocabulary(name: string): Vocabulary {
  if (name === 'synthetic') return syntheticVocabulary();
  const words = new SharedArray<string>(`vocab-${name}`, () => {
    // Shipped lists sit two folders above dist/k6/*.js: a path relative to the bundle works from any directory.
    const path = name.indexOf('/') >= 0 ? resolvePath(name) : `../../data/vocab/${name}.txt`;
    return parseVocabulary(name, open(path)).words as string[];
  });
  // Per-VU plain copy: SharedArray element reads are copies, too slow for per-word access.
  const copy: string[] = new Array(words.length);
  for (let i = 0; i < words.length; i++) copy[i] = words[i];
  return { name, words: copy };
}
