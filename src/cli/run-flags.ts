// Reading the flags every load command shares (COMMON_RUN_FLAGS of common-flags.ts): thresholds,
// outputs, workers, segments, the grace period, timeouts and the preflight switch, each bad
// value a usage error naming the flag.

import { availableParallelism } from 'node:os';
import type { EnvMap, OptionLabel } from '../config/env';
import { asUsage, flagLabel, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './flags';
import { formatSegment, formatSequence, parseSegment, parseSequence, segmentIndices, splitEvenly } from '../schedule/segments';
import { parseThresholdFlag, type Threshold } from '../engine/thresholds';
import { workerCount } from '../engine/workers';
import type { Timeouts, TransportKind } from '../engine/transport';
import { chooseTransport } from '../engine/transport-choice';
import { timeoutsFrom } from './common-flags';
import { parseSlo, type SloObjective } from '../metrics/slo';

export interface RunFlags {
  thresholds: Threshold[];
  outs: string[];
  workers: number;
  segment?: string;
  sequence?: string;
  graceMs: number;
  timeouts: Timeouts;
  /** --transport, resolved: native when asked or by default where the addon loads. */
  transport: TransportKind;
  preflight: boolean;
  /** --slo objectives (empty: no SLO block). */
  slo: SloObjective[];
  /** --tag NAME=VALUE: extra tags on every sample. */
  tags: Record<string, string>;
}

/** Tags every run sets itself: --tag cannot replace them. */
const OWN_TAGS = new Set(['run', 'trace', 'endpoint', 'model', 'scenario']);

/** --tag NAME=VALUE values as a map; a bad one is a usage error saying how to write it. */
export function readTags(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of values) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/.exec(t);
    if (!m || m[2] === '') throw new UsageError(`--tag ${t}: write NAME=VALUE with a NAME of letters, digits and _ (e.g. --tag engine=vllm)`);
    if (OWN_TAGS.has(m[1])) throw new UsageError(`--tag ${t}: "${m[1]}" is set by the run itself; pick another name`);
    tags[m[1]] = m[2];
  }
  return tags;
}

/** A number flag >= min, or undefined when not given. */
export function numberFlag(options: EnvMap, label: OptionLabel, name: string, min: number): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${label(name, raw)}: must be a number >= ${min}`);
  return n;
}

function usage<T>(read: () => T): T {
  try {
    return asUsage(read);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

/**
 * --segment-count M with --segment-index N (or, in a Kubernetes Indexed Job, the pod's
 * JOB_COMPLETION_INDEX): instance N of M equal segments, as --segment and --segment-sequence.
 */
export function indexedSegment(o: EnvMap, label: OptionLabel): { segment?: string; sequence?: string } {
  if (o.SEGMENT_COUNT === undefined) {
    if (o.SEGMENT_INDEX !== undefined) throw new UsageError(`${label('SEGMENT_INDEX', o.SEGMENT_INDEX)} needs --segment-count M`);
    return { segment: o.SEGMENT, sequence: o.SEGMENT_SEQUENCE };
  }
  if (o.SEGMENT !== undefined || o.SEGMENT_SEQUENCE !== undefined) throw new UsageError(`${label('SEGMENT_COUNT', o.SEGMENT_COUNT)}: give either --segment-count/--segment-index or --segment/--segment-sequence`);
  const count = Number(o.SEGMENT_COUNT);
  if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new UsageError(`${label('SEGMENT_COUNT', o.SEGMENT_COUNT)}: must be a whole number from 1 to 10000`);
  const raw = o.SEGMENT_INDEX ?? o.JOB_COMPLETION_INDEX;
  if (raw === undefined) throw new UsageError(`${label('SEGMENT_COUNT', o.SEGMENT_COUNT)}: give --segment-index N (0 to ${count - 1}), or run in an Indexed Job (JOB_COMPLETION_INDEX)`);
  const index = Number(raw);
  const from = o.SEGMENT_INDEX !== undefined ? label('SEGMENT_INDEX', raw) : `JOB_COMPLETION_INDEX=${raw}`;
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new UsageError(`${from}: must be a whole number from 0 to ${count - 1} (--segment-count ${count})`);
  const seq = splitEvenly(count);
  return { segment: formatSegment(seq[index]), sequence: formatSequence(seq) };
}

export function readRunFlags(flags: ParsedFlags, label: OptionLabel, totalTimeoutMs: number): RunFlags {
  const o = flags.options;
  const { segment, sequence } = indexedSegment(o, label);
  // Both together (a sequence needs --segment, the segment must be one of it): exit 2 before any work.
  usage(() => segmentIndices(segment ? parseSegment(segment) : null, sequence ? parseSequence(sequence) : null));
  return {
    thresholds: (flags.lists.THRESHOLD ?? []).map((t) => usage(() => parseThresholdFlag(t))),
    outs: flags.lists.OUT ?? [],
    workers: usage(() => workerCount(o.WORKERS, availableParallelism())),
    segment,
    sequence,
    graceMs: (numberFlag(o, label, 'GRACE_S', 0) ?? 30) * 1000,
    timeouts: timeoutsFrom(o, label, totalTimeoutMs),
    transport: usage(() => chooseTransport(o.TRANSPORT, (line) => process.stderr.write(`${line}\n`))),
    preflight: o.PREFLIGHT !== 'false',
    slo: (flags.lists.SLO ?? []).map((t) => usage(() => {
      try {
        return parseSlo(t);
      } catch (e) {
        throw new UsageError(`--slo ${t}: ${(e as Error).message}`);
      }
    })),
    tags: readTags(flags.lists.TAG ?? []),
  };
}

/** A load command's flags: no positional arguments, the API key from the environment only. */
export interface LoadFlags {
  flags: ParsedFlags;
  label: OptionLabel;
  /** The options by NAME, with OPENAI_API_KEY / API_KEY taken from `env`. */
  options: EnvMap;
}

export function readLoadFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string, env: NodeJS.ProcessEnv): LoadFlags | 'help' {
  const flags = parseFlags(argv, specs, command);
  if (flags.help) return 'help';
  if (flags.positional.length) throw new UsageError(`${command}: unexpected argument "${flags.positional[0]}" (flags start with --; see --help)`);
  // The pod's index in a Kubernetes Indexed Job: its segment when --segment-count is given.
  if (env.JOB_COMPLETION_INDEX !== undefined) flags.options.JOB_COMPLETION_INDEX = env.JOB_COMPLETION_INDEX;
  return { flags, label: flagLabel(specs), options: { ...flags.options, OPENAI_API_KEY: env.OPENAI_API_KEY, API_KEY: env.API_KEY } };
}
