import { describe, expect, it } from 'vitest';
import { flagLabel, parseFlags, renderHelp, UsageError, type FlagSpec } from '../../../src/cli/flags';
import { readReplaySettings, REPLAY_FLAGS } from '../../../src/cli/replay';

const SPECS: FlagSpec[] = [
  { flag: 'base-url', value: 'URL', help: 'server' },
  { flag: 'stream', kind: 'bool', default: 'true', help: 'stream' },
  { flag: 'connection-reuse', name: 'CONN_REUSE', kind: 'bool', help: 'reuse' },
  { flag: 'out', kind: 'list', help: 'outputs' },
];

describe('parseFlags', () => {
  it('maps flags to option names, --no-x to false, repeats lists', () => {
    const f = parseFlags(['--base-url', 'http://h', '--no-stream', '--no-connection-reuse', '--out=jsonl=a', '--out', 'influxdb=x', 'pos'], SPECS, 'cmd');
    expect(f.options).toEqual({ BASE_URL: 'http://h', STREAM: 'false', CONN_REUSE: 'false' });
    expect(f.lists.OUT).toEqual(['jsonl=a', 'influxdb=x']);
    expect(f.positional).toEqual(['pos']);
  });

  it('names unknown flags and missing values', () => {
    expect(() => parseFlags(['--bse-url', 'x'], SPECS, 'cmd')).toThrow(/unknown flag --bse-url/);
    expect(() => parseFlags(['--base-url'], SPECS, 'cmd')).toThrow(UsageError);
    expect(() => parseFlags(['--base-url', '--stream'], SPECS, 'cmd')).toThrow(/--base-url needs a value: --base-url URL/);
  });

  it('renders help with every flag and labels bad values as typed', () => {
    const help = renderHelp('usage: cmd', SPECS);
    for (const s of SPECS) expect(help).toContain(`--${s.flag}`);
    expect(flagLabel(SPECS)('CONN_REUSE', 'maybe')).toBe('--connection-reuse maybe');
  });
});

describe('replay settings', () => {
  it('reads a full command line', () => {
    const s = readReplaySettings(['--trace', 't.jsonl', '--speedup', '10', '--workers', '2', '--threshold', 'ttft:p(99)<2000', '--segment', '0:1/2', '--segment-sequence', '0,1/2,1'], {});
    if (s === 'help') throw new Error('unexpected help');
    expect(s.cfg.speedup).toBe(10);
    expect(s.workers).toBe(2);
    expect(s.thresholds[0].metric).toBe('llm_ttft');
    expect(s.segment).toBe('0:1/2');
  });

  it('takes the API key from the environment only', () => {
    const s = readReplaySettings(['--trace', 't.jsonl'], { OPENAI_API_KEY: 'sk-test' });
    if (s === 'help') throw new Error('unexpected help');
    expect(s.cfg.apiKey).toBe('sk-test');
    expect(REPLAY_FLAGS.some((f) => /key/i.test(f.flag))).toBe(false);
  });

  it('says which flag is wrong and what it takes', () => {
    expect(() => readReplaySettings(['--trace', 't', '--speedup', 'fast'], {})).toThrow(/--speedup fast: must be a positive number/);
    expect(() => readReplaySettings(['--trace', 't', '--workers', 'many'], {})).toThrow(/--workers many/);
    expect(() => readReplaySettings(['--trace', 't', '--segment', '3:1'], {})).toThrow(/--segment/);
    expect(() => readReplaySettings(['--trace', 't', '--threshold', 'ttft:p(99)<<1'], {})).toThrow(UsageError);
    expect(() => readReplaySettings([], {})).toThrow(/no trace given: pass --trace/);
  });
});
