// Session traces inside k6: every file read and planned once (SharedArray, one element per
// session group), shared read-only by every VU; a VU copies out only the group it is about to
// replay.

import { SharedArray } from 'k6/data';
import { readTrace } from '../trace/read';
import { planSessions, type SessionGroup } from '../sessions/plan';
import { indexPathOf, isDirectoryError, missingIndexMessage, parseIndex, splitTraceList } from '../sessions/trace-list';
import type { SessionsConfig } from '../config/sessions';
import { resolvePath, type SharedList } from './trace-data';

export interface SessionsMeta {
  files: string[];
  formats: string[];
  /** Requests of each group, in group order (to count what a run of draws will send). */
  groupRequests: number[];
  truncated: number;
  skippedCount: number;
  skipped: string[];
}

/** Block size when neither the trace nor BLOCK_SIZE says (kv-cache-tester's). */
const DEFAULT_BLOCK_SIZE = 64;

function readIndex(dir: string): string[] {
  let text: string;
  try {
    text = open(resolvePath(indexPathOf(dir)));
  } catch {
    throw new Error(missingIndexMessage(dir));
  }
  const files = parseIndex(text, dir);
  if (files.length === 0) throw new Error(`${indexPathOf(dir)} lists no trace files`);
  return files;
}

/** The files named by -e TRACES, each with its text (directories through their index.txt). */
function traceTexts(spec: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const entry of splitTraceList(spec)) {
    if (entry.endsWith('/')) {
      for (const f of readIndex(entry)) out.push({ file: f, text: open(resolvePath(f)) });
      continue;
    }
    try {
      out.push({ file: entry, text: open(resolvePath(entry)) });
    } catch (e) {
      if (!isDirectoryError(e)) throw e;
      for (const f of readIndex(entry)) out.push({ file: f, text: open(resolvePath(f)) });
    }
  }
  if (out.length === 0) throw new Error(`-e TRACES=${spec} names no files`);
  return out;
}

export function loadSessionGroups(cfg: SessionsConfig): { groups: SharedList<SessionGroup>; meta: SessionsMeta } {
  let meta: SessionsMeta | undefined;
  const groups = new SharedArray<SessionGroup>('session-groups', () => {
    const all: SessionGroup[] = [];
    const m: SessionsMeta = { files: [], formats: [], groupRequests: [], truncated: 0, skippedCount: 0, skipped: [] };
    traceTexts(cfg.traces).forEach(({ file, text }, i) => {
      const trace = readTrace(text, file, { format: cfg.format, skipBad: cfg.skipBad, blockSize: cfg.blockSize });
      const planned = planSessions(trace, i, { join: cfg.join, maxContext: cfg.maxContext, defaultBlockSize: DEFAULT_BLOCK_SIZE });
      m.files.push(file);
      if (m.formats.indexOf(trace.format) < 0) m.formats.push(trace.format);
      m.skippedCount += trace.skippedCount ?? 0;
      for (const s of trace.skipped ?? []) if (m.skipped.length < 10) m.skipped.push(`${file}: ${s.message}`);
      for (const g of planned) {
        m.truncated += g.truncated;
        all.push(g);
      }
    });
    if (all.length === 0) throw new Error(`no sessions to replay in ${cfg.traces}` + (cfg.maxContext ? ` under MAX_CONTEXT=${cfg.maxContext}` : ''));
    m.groupRequests = all.map((g) => g.requests);
    meta = m;
    return all;
  });
  // Only the VU that built the array saw the traces: share its facts the same way.
  const metaArray = new SharedArray<SessionsMeta>('session-meta', () => {
    if (!meta) throw new Error('internal: session metadata missing');
    return [meta];
  });
  return { groups, meta: metaArray[0] };
}
