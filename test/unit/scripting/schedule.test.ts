import { describe, expect, it } from 'vitest';
import { arrivalCount, arrivals, checkClosedSchedule, checkOpenSchedule, ownedVus } from '../../../src/engine/scripting/schedule';
import { parseSegment, parseSequence, segmentIndices } from '../../../src/schedule/segments';

describe('scripting schedules', () => {
  it('lists the given offsets in order', () => {
    expect([...arrivals({ offsetsMs: [0, 5, 5, 20] })]).toEqual([
      { index: 0, atMs: 0 }, { index: 1, atMs: 5 }, { index: 2, atMs: 5 }, { index: 3, atMs: 20 },
    ]);
  });

  it('spaces a constant rate evenly over the duration, the first at 0', () => {
    const a = [...arrivals({ rate: 4, durationMs: 1000 })];
    expect(a.map((x) => x.atMs)).toEqual([0, 250, 500, 750]);
    expect(arrivalCount({ rate: 3, durationMs: 1000 })).toBe(3);
    expect(arrivalCount({ rate: 10, durationMs: 150 })).toBe(2);
    expect(arrivalCount({ rate: 10, durationMs: 0 })).toBe(0);
  });

  it('gives each segment its own arrivals and VUs, together each exactly once', () => {
    const seq = parseSequence('0,1/3,2/3,1');
    const shares = ['0:1/3', '1/3:2/3', '2/3:1'].map((s) => segmentIndices(parseSegment(s), seq));
    const indices = shares.flatMap((sh) => [...arrivals({ rate: 100, durationMs: 100 }, sh)].map((a) => a.index));
    expect(indices.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const vus = shares.map((sh) => ownedVus(7, sh));
    expect(vus.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(vus.map((v) => v.length).sort()).toEqual([2, 2, 3]);
  });

  it('names what is wrong with a schedule', () => {
    expect(() => checkOpenSchedule({ offsetsMs: [0, 10, 5] })).toThrow(/offsetsMs\[2\] = 5 comes before offsetsMs\[1\] = 10/);
    expect(() => checkOpenSchedule({ offsetsMs: [-1] })).toThrow(/offsetsMs\[0\] = -1/);
    expect(() => checkOpenSchedule({ rate: 0, durationMs: 10 })).toThrow(/rate = 0/);
    expect(() => checkClosedSchedule({ vus: 2 })).toThrow(/durationMs or iterations/);
    expect(() => checkClosedSchedule({ vus: 1.5, iterations: 1 })).toThrow(/vus = 1.5/);
    expect(() => checkClosedSchedule({ vus: 1, iterations: -1 })).toThrow(/iterations = -1/);
  });
});
