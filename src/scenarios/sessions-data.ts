// What a sessions run reads before it starts, in Node: the trace files named by --traces (a
// file, a comma-separated list, or a directory), planned into session groups.
// A directory is read through its index.txt when it has one (the k6 export needs it, so its
// order is the one both runtimes use), otherwise every *.json / *.jsonl file in name order.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionsConfig } from '../config/sessions';
import { TraceError } from '../trace/errors';
import { INDEX_FILE, parseIndex, splitTraceList } from '../sessions/trace-list';
import { planTraceTexts, type SessionsMeta } from '../sessions/load';
import type { SessionGroup } from '../sessions/plan';
import { TraceLoadError } from './replay-data';

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new TraceLoadError(`cannot read trace ${file}: ${(e as Error).message}`);
  }
}

/** The files of a directory: its index.txt, else its trace files by name. */
export function directoryFiles(dir: string): string[] {
  const index = join(dir, INDEX_FILE);
  const files = existsSync(index)
    ? parseIndex(readText(index), dir)
    : readdirSync(dir).filter((f) => /\.jsonl?$/.test(f)).sort().map((f) => join(dir, f));
  if (files.length === 0) throw new TraceLoadError(`${dir} holds no trace files (*.json, *.jsonl, or names listed in ${INDEX_FILE})`);
  return files;
}

/** Every file --traces names, in order. */
export function traceFiles(spec: string): string[] {
  const out: string[] = [];
  for (const entry of splitTraceList(spec)) {
    let dir = false;
    try {
      dir = statSync(entry).isDirectory();
    } catch (e) {
      throw new TraceLoadError(`--traces ${spec}: cannot read ${entry}: ${(e as Error).message}`);
    }
    if (dir) out.push(...directoryFiles(entry));
    else out.push(entry);
  }
  if (out.length === 0) throw new TraceLoadError(`--traces ${spec} names no files`);
  return out;
}

export function loadSessionGroups(cfg: SessionsConfig): { groups: SessionGroup[]; meta: SessionsMeta } {
  const texts = traceFiles(cfg.traces).map((file) => ({ file, text: readText(file) }));
  try {
    return planTraceTexts(texts, cfg);
  } catch (e) {
    if (e instanceof TraceError) throw new TraceLoadError(`${e.message} (--skip-bad skips and counts bad rows)`);
    if (/^no sessions to replay/.test((e as Error).message)) throw new TraceLoadError((e as Error).message);
    throw e;
  }
}
