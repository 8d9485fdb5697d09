// Session traces inside k6: every file read (open(), directories through their index.txt) and
// planned once (SharedArray, one element per session group), shared read-only by every VU; a
// VU copies out only the group it is about to replay.

import { SharedArray } from 'k6/data';
import type { SessionGroup } from '../sessions/plan';
import { planTraceTexts, type SessionsMeta } from '../sessions/load';
import { indexPathOf, isDirectoryError, missingIndexMessage, parseIndex, splitTraceList } from '../sessions/trace-list';
import type { SessionsConfig } from '../config/sessions';
import { resolvePath, type SharedList } from './trace-data';

export type { SessionsMeta };

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
    const planned = planTraceTexts(traceTexts(cfg.traces), cfg);
    meta = planned.meta;
    return planned.groups;
  });
  // Only the VU that built the array saw the traces: share its facts the same way.
  const metaArray = new SharedArray<SessionsMeta>('session-meta', () => {
    if (!meta) throw new Error('internal: session metadata missing');
    return [meta];
  });
  return { groups, meta: metaArray[0] };
}
