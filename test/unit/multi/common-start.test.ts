import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStartTime, readStartFlags, refuseIfPast, resolveStart, StartError } from '../../../src/cli/common-start';
import { indexedSegment } from '../../../src/cli/run-flags';

const label = (name: string, raw: string) => `--${name.toLowerCase().replace(/_/g, '-')} ${raw}`;

describe('the common start', () => {
  it('reads Unix ms, or JSON, and names the mistake otherwise', () => {
    expect(parseStartTime(' 1796145804906\n', 'f')).toBe(1796145804906);
    expect(parseStartTime('{"startAtUnixMs": 1796145804906}', 'f')).toBe(1796145804906);
    expect(() => parseStartTime('1796145804', 's3://b/start')).toThrow(/s3:\/\/b\/start: 1796145804 looks like seconds, not ms: write 1796145804000/);
    expect(() => parseStartTime('soon', 'f')).toThrow(/"soon" is not a start time/);
  });

  it('takes --start-at or --start-file, not both', () => {
    expect(readStartFlags({ START_AT: '1796145804906' }, label)).toEqual({ atUnixMs: 1796145804906, source: '--start-at' });
    expect(readStartFlags({ START_FILE: 's3://b/k', START_WAIT_S: '5' }, label)).toEqual({ file: 's3://b/k', waitMs: 5000 });
    expect(readStartFlags({}, label)).toBeUndefined();
    expect(() => readStartFlags({ START_AT: '1796145804906', START_FILE: 'x' }, label)).toThrow(/give one of them/);
  });

  it('refuses a start already past, saying by how much and what to give instead', () => {
    const start = { plannedUnixMs: 1_800_000_000_000, source: '--start-at', readAtUnixMs: 0 };
    expect(() => refuseIfPast(start, 1_800_000_000_250)).toThrow(StartError);
    expect(() => refuseIfPast(start, 1_800_000_000_250)).toThrow(/was 250 ms ago .* not starting/);
    expect(() => refuseIfPast(start, 1_799_999_999_000)).not.toThrow();
  });

  it('polls a start file until it has content', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-'));
    const file = join(dir, 'start');
    const logs: string[] = [];
    setTimeout(() => writeFileSync(file, ''), 100);
    setTimeout(() => writeFileSync(file, '1796145804906\n'), 500);
    const got = await resolveStart({ file, waitMs: 5000 }, (t) => logs.push(t));
    expect(got).toMatchObject({ plannedUnixMs: 1796145804906, source: file });
    expect(logs[0]).toMatch(/^ready, waiting for the common start in /);
    await expect(resolveStart({ file: join(dir, 'never'), waitMs: 300 }, () => {})).rejects.toThrow(/no start time in .*never after 0.3 s/);
  });
});

describe('--segment-count with --segment-index or JOB_COMPLETION_INDEX', () => {
  it('gives the index-th of M equal segments and the sequence', () => {
    expect(indexedSegment({ SEGMENT_COUNT: '4', SEGMENT_INDEX: '2' }, label)).toEqual({ segment: '1/2:3/4', sequence: '0,1/4,1/2,3/4,1' });
    expect(indexedSegment({ SEGMENT_COUNT: '3', JOB_COMPLETION_INDEX: '0' }, label)).toEqual({ segment: '0:1/3', sequence: '0,1/3,2/3,1' });
    expect(indexedSegment({ SEGMENT: '0:1/2' }, label)).toEqual({ segment: '0:1/2', sequence: undefined });
  });

  it('names what is wrong', () => {
    expect(() => indexedSegment({ SEGMENT_COUNT: '4' }, label)).toThrow(/give --segment-index N \(0 to 3\), or run in an Indexed Job/);
    expect(() => indexedSegment({ SEGMENT_COUNT: '4', JOB_COMPLETION_INDEX: '4' }, label)).toThrow(/JOB_COMPLETION_INDEX=4: must be a whole number from 0 to 3/);
    expect(() => indexedSegment({ SEGMENT_INDEX: '1' }, label)).toThrow(/needs --segment-count/);
    expect(() => indexedSegment({ SEGMENT_COUNT: '2', SEGMENT_INDEX: '0', SEGMENT: '0:1/2' }, label)).toThrow(/either/);
  });
});
