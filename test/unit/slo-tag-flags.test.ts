import { describe, expect, it } from 'vitest';
import { readTags } from '../../src/cli/run-flags';
import { readReplaySettings } from '../../src/cli/replay';
import { readSessionsSettings } from '../../src/cli/sessions';

describe('--slo and --tag on replay and sessions', () => {
  it('reads them into the run settings', () => {
    const s = readReplaySettings(['--trace', 't.jsonl', '--slo', 'ttft:p99<=2000', '--slo', 'e2e:mean<=9000', '--tag', 'engine=vllm', '--tag', 'point=a-x2'], {});
    if (s === 'help') throw new Error('help');
    expect(s.slo.map((o) => `${o.metric}:${o.stat}<=${o.threshold}`)).toEqual(['ttft:p99<=2000', 'e2e:mean<=9000']);
    expect(s.tags).toEqual({ engine: 'vllm', point: 'a-x2' });
    const q = readSessionsSettings(['--traces', 'd/', '--slo', 'tpot:p90<=40'], {});
    if (q === 'help') throw new Error('help');
    expect(q.slo).toEqual([{ metric: 'tpot', stat: 'p90', op: '<=', threshold: 40 }]);
    expect(q.tags).toEqual({});
  });

  it('rejects bad values with the flag and how to write it', () => {
    expect(() => readReplaySettings(['--trace', 't.jsonl', '--slo', 'ttft<2000'], {})).toThrow(/^--slo ttft<2000: "ttft<2000" is not an SLO: write METRIC:STAT<=MS/);
    expect(() => readTags(['engine'])).toThrow('--tag engine: write NAME=VALUE');
    expect(() => readTags(['my-tag=x'])).toThrow(/letters, digits and _/);
    expect(() => readTags(['run=x'])).toThrow('--tag run=x: "run" is set by the run itself; pick another name');
  });
});
