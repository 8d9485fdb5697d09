// Reading the flags every load command shares (COMMON_RUN_FLAGS of common-flags.ts): thresholds,
// outputs, workers, segments, the grace period, timeouts and the preflight switch, each bad
// value a usage error naming the flag.

import { availableParallelism } from 'node:os';
import type { EnvMap, OptionLabel } from '../config/env';
import { asUsage, flagLabel, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './flags';
import { parseSegment, parseSequence, segmentIndices } from '../engine/segments';
import { parseThresholdFlag, type Threshold } from '../engine/thresholds';
import { workerCount } from '../engine/workers';
import type { Timeouts } from '../engine/transport';
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

export function readRunFlags(flags: ParsedFlags, label: OptionLabel, totalTimeoutMs: number): RunFlags {
  const o = flags.options;
  const segment = o.SEGMENT;
  const sequence = o.SEGMENT_SEQUENCE;
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
  return { flags, label: flagLabel(specs), options: { ...flags.options, OPENAI_API_KEY: env.OPENAI_API_KEY, API_KEY: env.API_KEY } };
}
