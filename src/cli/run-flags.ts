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

export interface RunFlags {
  thresholds: Threshold[];
  outs: string[];
  workers: number;
  segment?: string;
  sequence?: string;
  graceMs: number;
  timeouts: Timeouts;
  preflight: boolean;
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
