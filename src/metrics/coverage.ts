// Which execution segments the merged instances of one run cover: a killed or lost instance is a
// missing segment, named, so a merge never passes for a smaller whole run; two instances on the
// same part of the run would count its requests twice, which is an error.

import { formatSegment, parseSegment, parseSequence, type Fraction, type Segment } from '../schedule/segments';
import { MergeError } from './merge';

export interface InstanceSegment {
  /** Names the instance in messages (its result file). */
  name: string;
  segment: string | null;
  /** The run's --segment-sequence, when the instance had one. */
  sequence: string | null;
}

export interface Coverage {
  instances: number;
  /** The instances' segments, in order. */
  segments: string[];
  /** Parts of the run no instance reported: the sequence's segments when known. */
  missing: string[];
  complete: boolean;
}

const cmp = (a: Fraction, b: Fraction): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/** The sequence's segments inside the gap [from, to), or the gap itself when they do not tile it. */
function gapSegments(gap: Segment, sequence: Segment[] | null): string[] {
  const inside = (sequence ?? []).filter((s) => cmp(s.from, gap.from) >= 0 && cmp(s.to, gap.to) <= 0);
  const tiles = inside.length > 0 && cmp(inside[0].from, gap.from) === 0 && cmp(inside[inside.length - 1].to, gap.to) === 0;
  return tiles ? inside.map(formatSegment) : [formatSegment(gap)];
}

export function segmentCoverage(entries: readonly InstanceSegment[]): Coverage {
  const seqText = entries.find((e) => e.sequence)?.sequence ?? null;
  const sequence = seqText ? parseSequence(seqText) : null;
  if (entries.length === 1 && entries[0].segment === null) return { instances: 1, segments: [], missing: [], complete: true };
  const owned = entries
    .map((e) => ({ name: e.name, seg: parseSegment(e.segment ?? '') }))
    .sort((a, b) => cmp(a.seg.from, b.seg.from));
  const zero: Fraction = { num: 0n, den: 1n };
  const one: Fraction = { num: 1n, den: 1n };
  const missing: string[] = [];
  let at = zero;
  let prev: string | undefined;
  for (const { name, seg } of owned) {
    if (cmp(seg.from, at) < 0) {
      throw new MergeError(`${name} (segment ${formatSegment(seg)}) overlaps ${prev}: two instances sent the same requests; merge each run's own results only`);
    }
    if (cmp(seg.from, at) > 0) missing.push(...gapSegments({ from: at, to: seg.from }, sequence));
    at = seg.to;
    prev = `${name} (segment ${formatSegment(seg)})`;
  }
  if (cmp(at, one) < 0) missing.push(...gapSegments({ from: at, to: one }, sequence));
  return { instances: entries.length, segments: owned.map((o) => formatSegment(o.seg)), missing, complete: missing.length === 0 };
}
