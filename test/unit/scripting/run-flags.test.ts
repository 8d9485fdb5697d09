import { describe, expect, it } from 'vitest';
import { readRunSettings } from '../../../src/cli/run';

const FILE = 'examples/scenario.ts';

describe('llm-replay run flags', () => {
  it('reads the target, thresholds and defaults', () => {
    const s = readRunSettings([FILE, '--base-url', 'http://h:1/', '--threshold', 'ttft:p(99)<100', '--no-stream'], { OPENAI_API_KEY: 'k' }, new Date(0));
    if (s === 'help') throw new Error('help');
    expect(s).toMatchObject({ file: FILE, baseUrl: 'http://h:1', stream: false, endpoint: 'chat', summaryJson: 'results/run-summary.json', apiKey: 'k', preflight: true });
    expect(s.thresholds[0].metric).toBe('llm_ttft');
    expect(s.runId).toBe('1970-01-01T00-00-00-000Z');
  });

  it('names the bad flag or the missing file', () => {
    expect(() => readRunSettings([], {})).toThrow(/name the scenario file/);
    expect(() => readRunSettings(['nope.ts'], {})).toThrow(/no such scenario file: nope\.ts/);
    expect(() => readRunSettings([FILE, 'x.ts'], {})).toThrow(/one scenario file at a time/);
    expect(() => readRunSettings([FILE, '--base-url', 'h:1'], {})).toThrow(/--base-url h:1: must start with http/);
    expect(() => readRunSettings([FILE, '--workers', '2'], {})).toThrow(/--workers 2: run executes a scenario in one thread/);
    expect(() => readRunSettings([FILE, '--threshold', 'ttft:p(99)'], {})).toThrow(/--threshold 'ttft:p\(99\)'/);
    expect(() => readRunSettings([FILE, '--segment', '2:1'], {})).toThrow(/segment/);
    expect(readRunSettings([FILE, '--help'], {})).toBe('help');
  });
});
