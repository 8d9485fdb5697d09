// k6's execution-segment arithmetic: which global request indices one process (and one worker
// inside it) sends, so that the segments of a sequence together send every request exactly once.
//
// Facts taken from k6's documentation and lib/execution_segment.go (implemented here, not copied):
// - A segment is (from, to] with 0 <= from < to <= 1, exact rationals. Text "a:b" is a full
//   segment, a lone "b" means "0:b", "" means "0:1". Values are fractions (1/2), decimals (0.5) or
//   percentages (50%).
// - A sequence "r1,r2,...,rn" (at least 2 points) is the segments (r1,r2], (r2,r3], ...; it is
//   filled with (0,r1] and (rn,1] when it does not start at 0 or end at 1. Without a sequence,
//   the segment alone is filled the same way.
// - Striping: with L the least common multiple of the segments' length denominators, each
//   segment of length a/b owns a*(L/b) of every L consecutive indices. Segments are visited
//   largest first (ties keep sequence order); index i (0 <= i < L) goes to the first segment
//   that has taken c indices so far with i >= c*L/len_numerator. The pattern repeats every L.
//   This is what k6's arrival-rate executors use to decide which global iterations an instance
//   starts (GetStripedOffsets: start, offsets, lcd).

export class SegmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentError';
  }
}

/** An exact non-negative rational, always reduced, den > 0. */
export interface Fraction {
  readonly num: bigint;
  readonly den: bigint;
}

/** The share (from, to] of the whole run. */
export interface Segment {
  readonly from: Fraction;
  readonly to: Fraction;
}

/** Beyond this common denominator the striping table gets too big to be useful. */
export const MAX_LCD = 10_000_000;

const SEGMENT_FORM = 'FROM:TO with 0 <= FROM < TO <= 1, each a fraction, decimal or percentage (e.g. --segment 0:1/2, --segment 50%:100%, --segment 0.25:0.5)';
const SEQUENCE_FORM = 'comma-separated increasing points from 0 to 1 (e.g. --segment-sequence 0,1/2,1 or 0,1/4,1/2,1 or 0,25%,50%,100%)';

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

function fraction(num: bigint, den: bigint): Fraction {
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

function compare(a: Fraction, b: Fraction): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

function sub(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.den - b.num * a.den, a.den * b.den);
}

function add(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.den + b.num * a.den, a.den * b.den);
}

function mul(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.num, a.den * b.den);
}

const ZERO = fraction(0n, 1n);
const ONE = fraction(1n, 1n);

/** "1/2" -> 1/2, "0.25" -> 1/4, "25%" -> 1/4; null when the text is none of these. */
function parseFraction(text: string): Fraction | null {
  const t = text.trim();
  const ratio = /^(\d+)\/(\d+)$/.exec(t);
  if (ratio) {
    const den = BigInt(ratio[2]);
    return den === 0n ? null : fraction(BigInt(ratio[1]), den);
  }
  // k6 takes integer percentages only; a decimal one ("12.5%") is accepted here too.
  const dec = /^(\d*)(?:\.(\d*))?(%?)$/.exec(t);
  if (!dec || (dec[1] === '' && !dec[2])) return null;
  const decimals = dec[2] ?? '';
  const num = BigInt((dec[1] || '0') + decimals);
  const den = 10n ** BigInt(decimals.length) * (dec[3] ? 100n : 1n);
  return fraction(num, den);
}

export function formatFraction(f: Fraction): string {
  return f.den === 1n ? String(f.num) : `${f.num}/${f.den}`;
}

/** k6's text for a segment: "0:1/2". */
export function formatSegment(s: Segment): string {
  return `${formatFraction(s.from)}:${formatFraction(s.to)}`;
}

/** k6's text for a sequence: "0,1/2,1". */
export function formatSequence(seq: readonly Segment[]): string {
  if (seq.length === 0) return '';
  return [seq[0].from, ...seq.map((s) => s.to)].map(formatFraction).join(',');
}

function point(text: string, flag: string, whole: string, form: string): Fraction {
  if (text.trim().startsWith('-')) throw new SegmentError(`${flag} ${whole}: ${text.trim()} is below 0; expected ${form}`);
  const f = parseFraction(text);
  if (!f) throw new SegmentError(`${flag} ${whole}: "${text}" is not a fraction, decimal or percentage; expected ${form}`);
  return f;
}

function checkedSegment(from: Fraction, to: Fraction, flag: string, whole: string, form: string): Segment {
  if (compare(to, ONE) > 0) throw new SegmentError(`${flag} ${whole}: ${formatFraction(to)} is above 1; expected ${form}`);
  if (compare(from, to) >= 0) {
    throw new SegmentError(`${flag} ${whole}: the start ${formatFraction(from)} must be below the end ${formatFraction(to)}; expected ${form}`);
  }
  return { from, to };
}

/** Parses `--segment` text: "1/2:1", "0.5:1", "50%:100%", "1/2" (= 0:1/2), "" (= 0:1). */
export function parseSegment(text: string, flag = '--segment'): Segment {
  const t = text.trim();
  if (t === '') return { from: ZERO, to: ONE };
  const colon = t.indexOf(':');
  const from = colon < 0 ? ZERO : point(t.slice(0, colon), flag, t, SEGMENT_FORM);
  const to = point(colon < 0 ? t : t.slice(colon + 1), flag, t, SEGMENT_FORM);
  return checkedSegment(from, to, flag, t, SEGMENT_FORM);
}

/** Parses `--segment-sequence` text "r1,r2,...,rn" into its segments; "" gives []. */
export function parseSequence(text: string, flag = '--segment-sequence'): Segment[] {
  const t = text.trim();
  if (t === '') return [];
  const points = t.split(',').map((p) => point(p, flag, t, SEQUENCE_FORM));
  if (points.length < 2) throw new SegmentError(`${flag} ${t}: needs at least 2 points, got ${points.length}; expected ${SEQUENCE_FORM}`);
  const out: Segment[] = [];
  for (let i = 1; i < points.length; i++) out.push(checkedSegment(points[i - 1], points[i], flag, t, SEQUENCE_FORM));
  return out;
}

/** `--workers N`: N equal consecutive segments of the whole, as a sequence. */
export function splitEvenly(n: number): Segment[] {
  if (!Number.isInteger(n) || n < 1) throw new SegmentError(`cannot split into ${n} parts: the number of workers must be a whole number >= 1`);
  const parts = BigInt(n);
  return Array.from({ length: n }, (_, i) => ({ from: fraction(BigInt(i), parts), to: fraction(BigInt(i + 1), parts) }));
}

/** k6's SubSegment: `child` taken inside `parent` (1/2:1 inside, 0:1/2 -> 1/2:3/4). For labels only. */
export function subSegment(parent: Segment, child: Segment): Segment {
  const len = sub(parent.to, parent.from);
  const from = add(parent.from, mul(len, child.from));
  return { from, to: add(from, mul(len, sub(child.to, child.from))) };
}

function sameSegment(a: Segment, b: Segment): boolean {
  return compare(a.from, b.from) === 0 && compare(a.to, b.to) === 0;
}

/** k6's filled sequence: the given one (or the segment alone) with the gaps to 0 and 1 added. */
export function fillSequence(segment?: Segment | null, sequence?: readonly Segment[] | null): Segment[] {
  const base = sequence && sequence.length > 0 ? [...sequence] : segment ? [segment] : [{ from: ZERO, to: ONE }];
  if (compare(base[0].from, ZERO) !== 0) base.unshift({ from: ZERO, to: base[0].from });
  const last = base[base.length - 1];
  if (compare(last.to, ONE) !== 0) base.push({ from: last.to, to: ONE });
  return base;
}

/** k6's GetStripedOffsets: first owned index, gaps to each next one (the last wraps to start + lcd), cycle length. */
export interface StripedOffsets {
  start: number;
  offsets: number[];
  lcd: number;
}

/** Which indices in [0, lcd) each segment of a filled sequence owns, ascending. */
function stripe(seq: readonly Segment[]): { lcd: number; owned: Int32Array[] } {
  const lengths = seq.map((s) => sub(s.to, s.from));
  let lcdBig = 1n;
  for (const l of lengths) lcdBig = (lcdBig / gcd(lcdBig, l.den)) * l.den;
  if (lcdBig > BigInt(MAX_LCD)) {
    throw new SegmentError(`segment sequence ${formatSequence(seq)} needs a common denominator of ${lcdBig}, above ${MAX_LCD}: use simpler fractions`);
  }
  const lcd = Number(lcdBig);
  const shares = lengths.map((l) => Number(l.num * (lcdBig / l.den)));
  // Largest share first; Array.prototype.sort is stable, so ties keep sequence order (as k6).
  const order = shares.map((_, i) => i).sort((a, b) => shares[b] - shares[a]);
  const owned = shares.map((n) => new Int32Array(n));
  const taken = new Array<number>(shares.length).fill(0);
  for (let i = 0; i < lcd; i++) {
    for (const s of order) {
      if (taken[s] < shares[s] && i * shares[s] >= taken[s] * lcd) {
        owned[s][taken[s]++] = i;
        break;
      }
    }
  }
  return { lcd, owned };
}

function findIndex(seq: readonly Segment[], segment: Segment | null | undefined, hadSequence: boolean): number {
  if (!segment) {
    if (seq.length === 1) return 0;
    throw new SegmentError(`--segment-sequence ${formatSequence(seq)} needs --segment: which of its segments does this process run?`);
  }
  const at = seq.findIndex((s) => sameSegment(s, segment));
  if (at < 0) {
    const where = hadSequence ? `--segment-sequence ${formatSequence(seq)}` : 'the sequence';
    throw new SegmentError(`--segment ${formatSegment(segment)} is not one of the segments of ${where} (${seq.map(formatSegment).join(', ')}): pick one of them`);
  }
  return at;
}

/** The cycle length and the positions in it that `segment` of the filled `sequence` owns. */
function ownedPositions(segment?: Segment | null, sequence?: readonly Segment[] | null): { label: string; lcd: number; positions: Int32Array } {
  const seq = fillSequence(segment, sequence);
  const { lcd, owned } = stripe(seq);
  const at = findIndex(seq, segment, !!sequence?.length);
  return { label: formatSegment(seq[at]), lcd, positions: owned[at] };
}

/** k6's GetStripedOffsets for `segment` of `sequence` (what k6's own tests check). */
export function stripedOffsets(segment?: Segment | null, sequence?: readonly Segment[] | null): StripedOffsets {
  const { lcd, positions } = ownedPositions(segment, sequence);
  const offsets: number[] = [];
  for (let k = 1; k < positions.length; k++) offsets.push(positions[k] - positions[k - 1]);
  offsets.push(positions[0] + lcd - positions[positions.length - 1]);
  return { start: positions[0], offsets, lcd };
}

/**
 * The set of global request indices (0-based) one process or worker sends. `countBelow(n)` is
 * k6's ScaleInt64 (how many of the first n indices are owned); `nth(j)` is the j-th owned one.
 */
export abstract class IndexShare {
  abstract readonly label: string;
  abstract owns(i: number): boolean;
  abstract countBelow(n: number): number;
  abstract nth(j: number): number;

  /** The owned indices below n, ascending. */
  *indices(n: number): Generator<number> {
    for (let j = 0; ; j++) {
      const i = this.nth(j);
      if (i >= n) return;
      yield i;
    }
  }
}

class StripedShare extends IndexShare {
  constructor(readonly label: string, private readonly lcd: number, private readonly positions: Int32Array) {
    super();
  }

  /** Number of cycle positions below p (0 <= p <= lcd). */
  private positionsBelow(p: number): number {
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  owns(i: number): boolean {
    if (!Number.isInteger(i) || i < 0) return false;
    const p = i % this.lcd;
    const k = this.positionsBelow(p);
    return k < this.positions.length && this.positions[k] === p;
  }

  countBelow(n: number): number {
    if (n <= 0) return 0;
    return Math.floor(n / this.lcd) * this.positions.length + this.positionsBelow(n % this.lcd);
  }

  nth(j: number): number {
    const k = this.positions.length;
    return Math.floor(j / k) * this.lcd + this.positions[j % k];
  }
}

/** `inner` applied to the positions of `outer`'s indices: a worker inside a process's segment. */
class NestedShare extends IndexShare {
  readonly label: string;

  constructor(private readonly outer: IndexShare, private readonly inner: IndexShare) {
    super();
    this.label = `${inner.label} of ${outer.label}`;
  }

  owns(i: number): boolean {
    return this.outer.owns(i) && this.inner.owns(this.outer.countBelow(i));
  }

  countBelow(n: number): number {
    return this.inner.countBelow(this.outer.countBelow(n));
  }

  nth(j: number): number {
    return this.outer.nth(this.inner.nth(j));
  }
}

/**
 * The indices `segment` of `sequence` owns, by k6's striping. No segment and no sequence: every
 * index. A segment without a sequence: the segment with the gaps around it (as k6).
 */
export function segmentIndices(segment?: Segment | null, sequence?: readonly Segment[] | null): IndexShare {
  const { label, lcd, positions } = ownedPositions(segment, sequence);
  return new StripedShare(label, lcd, positions);
}

/** `inner`'s share of `outer`'s indices: inner's arithmetic on the rank of each index in outer. */
export function nestedIndices(outer: IndexShare, inner: IndexShare): IndexShare {
  return new NestedShare(outer, inner);
}

/** `--workers N` inside a process's share: N disjoint shares that together are exactly `process`. */
export function workerIndices(process: IndexShare, workers: number): IndexShare[] {
  const seq = splitEvenly(workers);
  if (workers === 1) return [process];
  return seq.map((s) => nestedIndices(process, segmentIndices(s, seq)));
}
