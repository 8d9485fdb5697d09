// A common start for the instances of one run (one process per host, each its segment): every
// instance begins the same schedule at the same Unix instant, given directly (--start-at) or
// read from a start file / URL that the instances poll until it is there (--start-file, e.g.
// written to S3 by a Kubernetes init step once every pod is scheduled). Each instance records
// the start it read and how far from it its own start was; a start already past refuses to run.

import { existsSync, readFileSync } from 'node:fs';
import { isS3Url, getObjectText, S3Error } from '../storage/s3';
import { getText } from '../engine/get-text';
import { nowUnixMs } from '../engine/clock';
import { waitUntilUnix } from '../engine/wait';
import type { EnvMap, OptionLabel } from '../config/env';
import { UsageError, type FlagSpec } from './flags';

export const START_FLAGS: FlagSpec[] = [
  { flag: 'start-at', value: 'UNIX_MS', help: 'common start of N instances: offset 0 of the schedule at this Unix time in ms (refused when past)' },
  { flag: 'start-file', value: 'PATH|URL', help: 'common start read from a file, http(s):// or s3:// URL holding UNIX_MS; polled until it exists' },
  { flag: 'start-wait-s', value: 'S', default: '600', help: 'how long --start-file is polled before giving up' },
];

export type StartSpec = { atUnixMs: number; source: string } | { file: string; waitMs: number };

/** What this instance read and did: it goes into the summary (engine.start). */
export interface StartRecord {
  /** The common start (offset 0 of the schedule), Unix ms. */
  plannedUnixMs: number;
  /** Where it came from: --start-at, or the start file / URL. */
  source: string;
  /** When this instance read it (its own clock). */
  readAtUnixMs: number;
  /** When this instance's clock reached it and its loop began; set once started. */
  startedUnixMs?: number;
  /** startedUnixMs - plannedUnixMs. */
  offsetMs?: number;
}

/** A start that cannot be kept: the run does not begin (exit 1). */
export class StartError extends Error {}

const POLL_MS = 200;
/** Unix ms before 2001-09-09 is almost surely seconds, not ms. */
const MIN_UNIX_MS = 1e12;

/** A Unix time in ms from text: a bare number, or JSON {"startAtUnixMs": N}. */
export function parseStartTime(text: string, where: string): number {
  const t = text.trim();
  let n = Number(t);
  if (t.startsWith('{')) {
    try {
      n = Number((JSON.parse(t) as { startAtUnixMs?: unknown }).startAtUnixMs);
    } catch {
      n = NaN;
    }
  }
  if (t === '' || !Number.isFinite(n)) throw new StartError(`${where}: "${t.slice(0, 40)}" is not a start time: write a Unix time in ms (e.g. ${Math.round(Date.now() + 60_000)}) or {"startAtUnixMs": N}`);
  if (n < MIN_UNIX_MS) throw new StartError(`${where}: ${n} looks like seconds, not ms: write ${Math.round(n * 1000)}`);
  return n;
}

export function readStartFlags(options: EnvMap, label: OptionLabel): StartSpec | undefined {
  const at = options.START_AT;
  const file = options.START_FILE;
  if (at !== undefined && file !== undefined) throw new UsageError(`${label('START_AT', at)} and ${label('START_FILE', file)}: give one of them`);
  if (at !== undefined) {
    try {
      return { atUnixMs: parseStartTime(at, label('START_AT', at)), source: '--start-at' };
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  if (file === undefined) return undefined;
  const waitS = Number(options.START_WAIT_S ?? 600);
  if (!Number.isFinite(waitS) || waitS <= 0) throw new UsageError(`${label('START_WAIT_S', options.START_WAIT_S ?? '')}: must be seconds > 0`);
  return { file, waitMs: waitS * 1000 };
}

/** The start file's text, or undefined while it is not there (missing file, 404, no such key). */
async function readStartSource(source: string): Promise<string | undefined> {
  if (isS3Url(source)) {
    try {
      return await getObjectText(source);
    } catch (e) {
      if (e instanceof S3Error && e.code === 'NoSuchKey') return undefined;
      throw e;
    }
  }
  if (/^https?:\/\//.test(source)) {
    const got = await getText(source, {}, 5000);
    if ('error' in got) return undefined; // not up yet: keep polling
    if (got.status === 404) return undefined;
    if (got.status !== 200) throw new StartError(`${source}: HTTP ${got.status} (want 200 with a Unix time in ms)`);
    return got.body;
  }
  return existsSync(source) ? readFileSync(source, 'utf8') : undefined;
}

/** The common start: given, or polled from the start file (progress every 10 s on `log`). */
export async function resolveStart(spec: StartSpec, log: (t: string) => void): Promise<StartRecord> {
  if ('atUnixMs' in spec) return { plannedUnixMs: spec.atUnixMs, source: spec.source, readAtUnixMs: nowUnixMs() };
  const since = Date.now();
  let told = 0;
  for (;;) {
    const text = await readStartSource(spec.file);
    // A file being written may be empty for an instant: wait for its content.
    if (text !== undefined && text.trim() !== '') return { plannedUnixMs: parseStartTime(text, spec.file), source: spec.file, readAtUnixMs: nowUnixMs() };
    if (Date.now() - since > spec.waitMs) throw new StartError(`no start time in ${spec.file} after ${spec.waitMs / 1000} s (--start-wait-s): write UNIX_MS there, or check the path`);
    // Said at once (this instance is ready: a starter may wait for the line), then every 10 s.
    if (Date.now() - told >= 10_000) {
      told = Date.now();
      log(`ready, waiting for the common start in ${spec.file} (${Math.round((told - since) / 1000)} s)`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Refuses a start that is already past for this instance. */
export function refuseIfPast(start: StartRecord, now = nowUnixMs()): void {
  if (start.plannedUnixMs > now) return;
  throw new StartError(
    `the common start ${new Date(start.plannedUnixMs).toISOString()} (${start.plannedUnixMs}, from ${start.source}) was ${Math.round(now - start.plannedUnixMs)} ms ago ` +
      `when this instance was ready (trace read, server checked): not starting, as its requests would all be late. ` +
      `Give a later start (now + the time to read the trace, e.g. ${Math.round(now + 60_000)}).`,
  );
}

/** Resolves when this instance's clock reaches the start, recording how late it saw it (not when stopped first). */
export async function stampStart(start: StartRecord, signal: AbortSignal): Promise<StartRecord> {
  if (!(await waitUntilUnix(start.plannedUnixMs, signal))) return start;
  const startedUnixMs = nowUnixMs();
  return { ...start, startedUnixMs, offsetMs: startedUnixMs - start.plannedUnixMs };
}

export interface CommonStart {
  plannedUnixMs: number;
  /** Waits for the start beside the run and records this instance's offset from it. */
  stamp(signal: AbortSignal): Promise<StartRecord>;
}

/** The common start of this instance, once it is ready to run: read (or polled), refused when past. */
export async function commonStart(spec: StartSpec, log: (t: string) => void): Promise<CommonStart> {
  const read = await resolveStart(spec, log);
  refuseIfPast(read);
  log(`common start ${new Date(read.plannedUnixMs).toISOString()} (${read.plannedUnixMs}, from ${read.source}): in ${((read.plannedUnixMs - nowUnixMs()) / 1000).toFixed(1)} s`);
  return { plannedUnixMs: read.plannedUnixMs, stamp: (signal) => stampStart(read, signal) };
}
