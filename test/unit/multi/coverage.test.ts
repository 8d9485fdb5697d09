import { describe, expect, it } from 'vitest';
import { segmentCoverage } from '../../../src/metrics/coverage';
import { mergeInfo, renderMergeInfo } from '../../../src/metrics/merge-info';

const seq = '0,1/4,1/2,3/4,1';
const inst = (name: string, segment: string | null, sequence: string | null = seq) => ({ name, segment, sequence });

describe('which segments a merge covers', () => {
  it('all four quarters: complete', () => {
    const c = segmentCoverage([inst('c', '1/2:3/4'), inst('a', '0:1/4'), inst('d', '3/4:1'), inst('b', '1/4:1/2')]);
    expect(c).toEqual({ instances: 4, segments: ['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1'], missing: [], complete: true });
  });

  it('a lost instance is named by its segment of the sequence; two lost in a row, each', () => {
    expect(segmentCoverage([inst('a', '0:1/4'), inst('b', '1/4:1/2'), inst('d', '3/4:1')]).missing).toEqual(['1/2:3/4']);
    expect(segmentCoverage([inst('a', '0:1/4'), inst('d', '3/4:1')]).missing).toEqual(['1/4:1/2', '1/2:3/4']);
    expect(segmentCoverage([inst('b', '1/4:1/2')])).toMatchObject({ missing: ['0:1/4', '1/2:3/4', '3/4:1'], complete: false });
  });

  it('without a sequence, the gap itself', () => {
    expect(segmentCoverage([inst('a', '0:1/3', null), inst('c', '2/3:1', null)]).missing).toEqual(['1/3:2/3']);
  });

  it('a whole run alone is complete; overlapping segments are an error naming both files', () => {
    expect(segmentCoverage([inst('w', null, null)]).complete).toBe(true);
    expect(() => segmentCoverage([inst('a.json', '0:1/2'), inst('b.json', '1/4:1')])).toThrow(/b\.json \(segment 1\/4:1\) overlaps a\.json \(segment 0:1\/2\)/);
  });

  it('the merge info: start spread and offsets from each instance, INCOMPLETE said loudly', () => {
    const start = (startedUnixMs: number) => ({ plannedUnixMs: 1e12, startedUnixMs, offsetMs: startedUnixMs - 1e12, source: 's3://b/start' });
    const m = mergeInfo([
      { run: { executionSegment: '0:1/4' }, engine: { segmentSequence: seq, start: start(1e12 + 0.5) } },
      { run: { executionSegment: '3/4:1' }, engine: { segmentSequence: seq, start: start(1e12 + 2) } },
    ], ['a', 'b']);
    expect(m.start).toEqual({ plannedUnixMs: 1e12, spreadMs: 1.5, maxOffsetMs: 2, instancesWithStart: 2 });
    expect(m.missing).toEqual(['1/4:1/2', '1/2:3/4']);
    expect(renderMergeInfo(m)).toMatch(/Instances merged:\s+2 \(segments 0:1\/4, 3\/4:1\)\n.*start spread 1\.50 ms.*\nINCOMPLETE: missing segment\(s\) 1\/4:1\/2, 1\/2:3\/4/);
  });
});
