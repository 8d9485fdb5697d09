// What the merged result says about its instances: how many, which segments (and which are
// missing), and how close their common start was kept (from each instance's engine.start).

import { segmentCoverage, type Coverage } from './coverage';

/** The part of an instance's result file beside the metrics (written by replay / sessions). */
export interface InstanceExtras {
  run?: { executionSegment?: string | null };
  engine?: {
    segmentSequence?: string | null;
    start?: { plannedUnixMs: number; startedUnixMs?: number; offsetMs?: number; source: string } | null;
  };
}

export interface MergeInfo extends Coverage {
  /** The instances' common start, when they had one; null when they did not share one. */
  start: { plannedUnixMs: number | null; spreadMs: number | null; maxOffsetMs: number | null; instancesWithStart: number };
}

export function mergeInfo(results: readonly InstanceExtras[], names: readonly string[]): MergeInfo {
  const coverage = segmentCoverage(results.map((r, i) => ({ name: names[i], segment: r.run?.executionSegment ?? null, sequence: r.engine?.segmentSequence ?? null })));
  const starts = results.map((r) => r.engine?.start).filter((s): s is NonNullable<typeof s> => !!s);
  const planned = new Set(starts.map((s) => s.plannedUnixMs));
  const started = starts.map((s) => s.startedUnixMs).filter((t): t is number => t !== undefined);
  return {
    ...coverage,
    start: {
      plannedUnixMs: planned.size === 1 ? starts[0].plannedUnixMs : null,
      spreadMs: started.length > 1 ? Math.max(...started) - Math.min(...started) : started.length === 1 ? 0 : null,
      maxOffsetMs: starts.length ? Math.max(...starts.map((s) => Math.abs(s.offsetMs ?? 0))) : null,
      instancesWithStart: starts.length,
    },
  };
}

/** Lines under the merged table: instances, segments, the start, and loudly what is missing. */
export function renderMergeInfo(m: MergeInfo): string {
  const lines = [`Instances merged:                ${m.instances} (segments ${m.segments.join(', ') || 'whole run'})`];
  if (m.start.instancesWithStart > 0) {
    lines.push(m.start.plannedUnixMs === null
      ? `Common start:                    NONE: the instances read different start times`
      : `Common start:                    ${new Date(m.start.plannedUnixMs).toISOString()}, start spread ${m.start.spreadMs?.toFixed(2)} ms, max offset ${m.start.maxOffsetMs?.toFixed(2)} ms`);
  }
  if (!m.complete) lines.push(`INCOMPLETE: missing segment(s) ${m.missing.join(', ')}: no result from the instance(s) that ran them (killed or not finished); the figures cover only the segments above`);
  return lines.join('\n') + '\n';
}
