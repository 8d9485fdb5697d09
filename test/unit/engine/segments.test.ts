import { describe, expect, it } from 'vitest';
import {
  formatSegment, formatSequence, nestedIndices, parseSegment, parseSequence, SegmentError, segmentIndices,
  splitEvenly, stripedOffsets, subSegment, workerIndices, type IndexShare,
} from '../../../src/schedule/segments';

/** Which share owns each index below n; fails on an index owned twice or never. */
function ownerOf(shares: IndexShare[], n: number): number[] {
  const owner = new Array<number>(n).fill(-1);
  shares.forEach((share, s) => {
    for (const i of share.indices(n)) {
      expect(owner[i], `index ${i} owned by ${owner[i]} and ${s}`).toBe(-1);
      owner[i] = s;
    }
  });
  expect(owner.indexOf(-1)).toBe(-1);
  return owner;
}

function sharesOf(sequenceText: string): IndexShare[] {
  const seq = parseSequence(sequenceText);
  return seq.map((s) => segmentIndices(s, seq));
}

describe('parsing (k6 lib/execution_segment_test.go TestExecutionSegmentUnmarshalText)', () => {
  it.each([
    ['0:1', '0:1'], ['0.5:0.75', '1/2:3/4'], ['1/2:3/4', '1/2:3/4'], ['50%:75%', '1/2:3/4'],
    ['2/4:75%', '1/2:3/4'], ['75%', '0:3/4'], ['', '0:1'], ['1/2', '0:1/2'], [' 1/3 : 2/3 ', '1/3:2/3'],
  ])('%s is %s', (text, expected) => {
    expect(formatSegment(parseSegment(text))).toBe(expected);
  });

  it.each(['125%', '1a5%', '1a5', '1a5%:2/3', '125%:250%', '55%:50%', '1/2:1/2', '-1:1', '1/0', '0:2', 'half'])('rejects %s naming it and the form', (text) => {
    expect(() => parseSegment(text)).toThrow(SegmentError);
    expect(() => parseSegment(text)).toThrow(/--segment .*expected FROM:TO .*--segment 0:1\/2/);
  });

  it('names the bad part and the flag it came from', () => {
    expect(() => parseSegment('0:x', '--execution-segment')).toThrow('--execution-segment 0:x: "x" is not a fraction, decimal or percentage');
    expect(() => parseSegment('2/3:1/3')).toThrow('the start 2/3 must be below the end 1/3');
  });

  // TestExecutionSegmentStringSequences
  it.each([
    ['0.5,1', '1/2,1'], ['1/2,1', '1/2,1'], ['1/3,2/3', '1/3,2/3'], ['0,1/3,2/3,1', '0,1/3,2/3,1'],
    ['0.5,0.7', '1/2,7/10'], ['0,1/13,2/13,1/3,1/2,3/4,1', '0,1/13,2/13,1/3,1/2,3/4,1'], ['0,25%,50%,100%', '0,1/4,1/2,1'],
  ])('sequence %s is %s', (text, expected) => {
    expect(formatSequence(parseSequence(text))).toBe(expected);
  });

  it('an empty sequence is no sequence', () => {
    expect(parseSequence('')).toEqual([]);
  });

  it.each(['0.5', '1,1', '-0.5,1', '1/2,1/2', '1/2,1/3', '0,1,1/2', '0,,1', '0,1/2,x'])('rejects sequence %s', (text) => {
    expect(() => parseSequence(text)).toThrow(/--segment-sequence .*expected comma-separated increasing points/);
  });
});

describe('striped offsets (k6 TestGetStripedOffsets)', () => {
  it.each([
    // full sequences
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0:0.3', 0, [4, 3, 3], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.3:0.5', 1, [4, 6], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.5:0.6', 2, [10], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.6:0.7', 3, [10], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.8:0.9', 8, [10], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.9:1', 9, [10], 10],
    ['0,0.2,0.5,0.6,0.7,0.8,0.9,1', '0.9:1', 9, [10], 10],
    ['0,0.2,0.5,0.6,0.7,0.8,0.9,1', '0:0.2', 1, [4, 6], 10],
    ['0,0.2,0.5,0.6,0.7,0.8,0.9,1', '0.6:0.7', 3, [10], 10],
    // sequences that do not reach 0 or 1 are filled
    ['0,0.2,0.5', '0:0.2', 3, [6, 4], 10],
    ['0,0.2,0.5', '0.2:0.5', 1, [4, 2, 4], 10],
    ['0,2/5,4/5', '0:2/5', 0, [3, 2], 5],
    ['0,2/5,4/5', '2/5:4/5', 1, [3, 2], 5],
    // no sequence: the segment alone, filled
    ['', '0:0.2', 1, [5], 5],
    ['', '0:1/5', 1, [5], 5],
    ['', '0:2/10', 1, [5], 5],
    ['', '0:0.4', 1, [2, 3], 5],
    ['', '0:2/5', 1, [2, 3], 5],
    ['', '2/5:4/5', 1, [3, 2], 5],
    ['', '0:4/10', 1, [2, 3], 5],
    ['', '1/10:5/10', 1, [2, 2, 4, 2], 10],
  ] as Array<[string, string, number, number[], number]>)('seq %s segment %s', (seq, seg, start, offsets, lcd) => {
    expect(stripedOffsets(parseSegment(seg), parseSequence(seq))).toEqual({ start, offsets, lcd });
  });
});

describe('which indices a segment owns', () => {
  it('matches the table in the comment of k6 ExecutionTuple (0:1/2, 1/2:3/4, 3/4:1)', () => {
    const [a, b, c] = sharesOf('0,1/2,3/4,1');
    expect([...a.indices(12)]).toEqual([0, 2, 4, 6, 8, 10]);
    expect([...b.indices(12)]).toEqual([1, 5, 9]);
    expect([...c.indices(12)]).toEqual([3, 7, 11]);
  });

  it('0,1/3,2/3,1 deals the indices round-robin (lcd 3, one each per cycle)', () => {
    const owner = ownerOf(sharesOf('0,1/3,2/3,1'), 9);
    expect(owner).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  // k6 TestNewExecutionTuple scaleTests: ScaleInt64 is how many of the first n indices a segment owns.
  it.each([
    ['0:1/3', { 50: 17, 3: 1, 2: 1, 1: 1, 0: 0 }],
    ['1/3:2/3', { 50: 17, 3: 1, 2: 1, 1: 0, 0: 0 }],
    ['2/3:1', { 50: 16, 3: 1, 2: 0, 1: 0, 0: 0 }],
  ] as Array<[string, Record<number, number>]>)('countBelow of %s in 0,1/3,2/3,1 as k6 ScaleInt64', (seg, table) => {
    const share = segmentIndices(parseSegment(seg), parseSequence('0,1/3,2/3,1'));
    for (const [n, count] of Object.entries(table)) expect(share.countBelow(Number(n))).toBe(count);
  });

  // k6 TestExecutionTupleScale: "0.5" and "0.5:1.0" with and without the sequence 0,0.5,1.
  it('a half without a sequence is filled to the same sequence', () => {
    for (const seq of ['', '0,0.5,1']) {
      expect(segmentIndices(parseSegment('0.5'), parseSequence(seq)).countBelow(3)).toBe(2);
      expect(segmentIndices(parseSegment('0.5:1.0'), parseSequence(seq)).countBelow(3)).toBe(1);
    }
  });

  it.each(['0,1', '0,1/2,1', '0,1/4,1/2,1', '0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0,1/13,2/13,1/3,1/2,3/4,1', '0,1/7,3/11,1'])(
    'the segments of %s cover 0..9999 exactly once, in proportion', (text) => {
      const n = 10_000;
      const seq = parseSequence(text);
      const shares = seq.map((s) => segmentIndices(s, seq));
      const owner = ownerOf(shares, n);
      shares.forEach((share, s) => {
        const mine = owner.filter((o) => o === s).length;
        expect(share.countBelow(n)).toBe(mine);
        const length = Number(seq[s].to.num) / Number(seq[s].to.den) - Number(seq[s].from.num) / Number(seq[s].from.den);
        expect(Math.abs(mine - n * length)).toBeLessThanOrEqual(seq.length);
      });
    });

  it('owns, countBelow and nth agree with the iteration', () => {
    const seq = parseSequence('0,1/13,2/13,1/3,1/2,3/4,1');
    const share = segmentIndices(seq[2], seq);
    const list = [...share.indices(2000)];
    list.forEach((i, j) => {
      expect(share.nth(j)).toBe(i);
      expect(share.countBelow(i)).toBe(j);
    });
    for (let i = 0; i < 2000; i++) expect(share.owns(i)).toBe(list.includes(i));
    expect(share.owns(-1)).toBe(false);
    expect(share.owns(1.5)).toBe(false);
  });

  it('no segment and no sequence owns everything', () => {
    const all = segmentIndices();
    expect([...all.indices(5)]).toEqual([0, 1, 2, 3, 4]);
    expect(all.label).toBe('0:1');
  });

  it('says which segment is missing from the sequence', () => {
    expect(() => segmentIndices(parseSegment('1/3:1'), parseSequence('0,1/2,1'))).toThrow(
      '--segment 1/3:1 is not one of the segments of --segment-sequence 0,1/2,1 (0:1/2, 1/2:1): pick one of them');
    expect(() => segmentIndices(null, parseSequence('0,1/2,1'))).toThrow(/needs --segment/);
  });

  it('refuses a sequence whose striping table would be huge', () => {
    expect(() => segmentIndices(parseSegment('0:1/10009'), parseSequence('0,1/10009,1/10007,1'))).toThrow(/common denominator of .* use simpler fractions/);
  });
});

describe('splitting among workers', () => {
  it('splitEvenly gives k6 Split results', () => {
    expect(formatSequence(splitEvenly(1))).toBe('0,1');
    expect(formatSequence(splitEvenly(3))).toBe('0,1/3,2/3,1');
    expect(() => splitEvenly(0)).toThrow(/whole number >= 1/);
  });

  it('subSegment as k6 (1/2:1 then 0:1/2 is 1/2:3/4)', () => {
    expect(formatSegment(subSegment(parseSegment('1/2:1'), parseSegment('0:1/2')))).toBe('1/2:3/4');
  });

  it('two workers of process 0:1/2 split exactly that process share, and the other process is untouched', () => {
    const seq = parseSequence('0,1/2,1');
    const [p0, p1] = seq.map((s) => segmentIndices(s, seq));
    const workers = workerIndices(p0, 2);
    const n = 10_000;
    const owner = ownerOf([...workers, p1], n);
    for (let i = 0; i < n; i++) expect(owner[i] < 2).toBe(p0.owns(i));
    expect([...workers[0].indices(10)]).toEqual([0, 4, 8]);
    expect([...workers[1].indices(10)]).toEqual([2, 6]);
    expect(workers[1].label).toBe('1/2:1 of 0:1/2');
  });

  it.each([
    ['0,1/3,1', 3], ['0,1/4,1/2,1', 4], ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', 5], ['0,1', 7],
  ] as Array<[string, number]>)('processes of %s with %d workers each cover 0..9999 once', (text, workers) => {
    const all = sharesOf(text).flatMap((p) => workerIndices(p, workers));
    const owner = ownerOf(all, 10_000);
    // Each worker gets a fair part of its process: counts within one of each other.
    for (let p = 0; p < all.length; p += workers) {
      const counts = all.slice(p, p + workers).map((_, w) => owner.filter((o) => o === p + w).length);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('nested shares compose again (a worker of a worker)', () => {
    const seq = parseSequence('0,1/2,1');
    const p = segmentIndices(seq[1], seq);
    const inner = workerIndices(p, 3).flatMap((w) => workerIndices(w, 2));
    const owner = ownerOf([...inner, segmentIndices(seq[0], seq)], 3000);
    expect(owner.filter((o) => o < 6).length).toBe(p.countBelow(3000));
    const w = nestedIndices(p, segmentIndices(splitEvenly(3)[0], splitEvenly(3)));
    expect([...w.indices(20)]).toEqual([1, 7, 13, 19]);
  });

  it('one worker is the process itself', () => {
    const p = segmentIndices(parseSegment('0:1/2'), null);
    expect(workerIndices(p, 1)).toEqual([p]);
  });
});

