// From trace texts to what a sessions run executes: every file read and planned into session
// groups, the facts the summary and the warnings need, and how much a run of draws will send.
// Pure (the caller reads the files: the engine with fs, the k6 export with open()).

import { readTrace } from '../trace/read';
import { planSessions, type SessionGroup } from './plan';
import { SessionDraw } from './draw';
import type { SessionsConfig } from '../config/sessions';

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

type TraceOptions = Pick<SessionsConfig, 'format' | 'skipBad' | 'blockSize' | 'join' | 'maxContext' | 'traces'>;

export function planTraceTexts(texts: ReadonlyArray<{ file: string; text: string }>, cfg: TraceOptions): { groups: SessionGroup[]; meta: SessionsMeta } {
  const groups: SessionGroup[] = [];
  const meta: SessionsMeta = { files: [], formats: [], groupRequests: [], truncated: 0, skippedCount: 0, skipped: [] };
  texts.forEach(({ file, text }, i) => {
    const trace = readTrace(text, file, { format: cfg.format, skipBad: cfg.skipBad, blockSize: cfg.blockSize });
    const planned = planSessions(trace, i, { join: cfg.join, maxContext: cfg.maxContext, defaultBlockSize: DEFAULT_BLOCK_SIZE });
    meta.files.push(file);
    if (meta.formats.indexOf(trace.format) < 0) meta.formats.push(trace.format);
    meta.skippedCount += trace.skippedCount ?? 0;
    for (const s of trace.skipped ?? []) if (meta.skipped.length < 10) meta.skipped.push(`${file}: ${s.message}`);
    for (const g of planned) {
      meta.truncated += g.truncated;
      groups.push(g);
    }
  });
  if (groups.length === 0) throw new Error(`no sessions to replay in ${cfg.traces}` + (cfg.maxContext ? ` under MAX_CONTEXT=${cfg.maxContext}` : ''));
  meta.groupRequests = groups.map((g) => g.requests);
  return { groups, meta };
}

export interface PlannedWork {
  /** Sessions the run will start; undefined when users run for a duration. */
  sessions?: number;
  requests?: number;
}

/**
 * What a run sends: every group at its recorded start, or the users' draws 0..SESSIONS-1; with
 * `owns` (a segment's or worker's share), only the groups or draws it owns.
 */
export function plannedWork(
  cfg: Pick<SessionsConfig, 'users' | 'sessions' | 'durationS' | 'seed'>,
  groupRequests: readonly number[],
  owns: (i: number) => boolean = () => true,
): PlannedWork {
  if (cfg.users !== undefined && cfg.durationS !== undefined) return {};
  const draw = cfg.users === undefined ? undefined : new SessionDraw(groupRequests.length, cfg.seed);
  const count = cfg.users === undefined ? groupRequests.length : cfg.sessions ?? groupRequests.length;
  let sessions = 0;
  let requests = 0;
  for (let k = 0; k < count; k++) {
    if (!owns(k)) continue;
    sessions++;
    requests += groupRequests[draw ? draw.group(k) : k];
  }
  return { sessions, requests };
}

/** The `trace` tag: the file or directory name. */
export function traceTag(traces: string): string {
  const parts = traces.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1];
}
