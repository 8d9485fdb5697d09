import { describe, expect, it } from 'vitest';
import { parseCampaign } from '../../../src/campaign/file';
import { flagArgs, planMatrix, planPoint, pointId, warmupArgv } from '../../../src/campaign/plan';

const GOOD = `name: sweep
slo: ['ttft:p99<=2000', 'tpot:p99<=50']
flags: {max-requests: 40, stream: true, ignore-eos: false}
warmup: {requests: 5}
cooldownS: 2
targets:
  - name: a
    baseUrl: http://127.0.0.1:8000/
    labels: {engine: vllm}
  - name: b
    baseUrl: http://127.0.0.1:8001
    model: m
    flags: {max-requests: 20}
    metricsUrl: false
traces:
  - name: moon
    replay: traces/m.jsonl
load:
  rate: [2, 4]
`;

describe('parseCampaign', () => {
  it('reads a campaign with paths relative to the file', () => {
    const c = parseCampaign(GOOD, '/home/u/c/sweep.yaml');
    expect(c.name).toBe('sweep');
    expect(c.slo.map((s) => s.threshold)).toEqual([2000, 50]);
    expect(c.targets[0]).toMatchObject({ baseUrl: 'http://127.0.0.1:8000', metricsUrl: 'http://127.0.0.1:8000/metrics', labels: { engine: 'vllm' } });
    expect(c.targets[1].metricsUrl).toBeNull();
    expect(c.traces[0]).toMatchObject({ kind: 'replay', path: '/home/u/c/traces/m.jsonl' });
    expect(c.load).toEqual({ kind: 'rate', values: [2, 4] });
    expect(c).toMatchObject({ warmupRequests: 5, cooldownS: 2, scrapeIntervalS: 5, capacity: null, outputs: [] });
  });

  const error = (text: string) => {
    try {
      parseCampaign(text, 'c.yaml');
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it('names file, line and key of each mistake and says how to fix it', () => {
    expect(error(GOOD.replace('cooldownS: 2', 'cooldown: 2'))).toBe('c.yaml:5: key "cooldown": unknown key; use one of name, slo, flags, outputs, warmup, cooldownS, scrape, targets, traces, load, capacity');
    expect(error(GOOD.replace("'tpot:p99<=50'", "'tpot<50'"))).toMatch(/^c\.yaml:2: key "slo\[1\]": "tpot<50" is not an SLO/);
    expect(error(GOOD.replace('rate: [2, 4]', 'rate: [2, -4]'))).toBe('c.yaml:19: key "load.rate[1]": must be a number > 0, found number -4');
    expect(error(GOOD.replace('baseUrl: http://127.0.0.1:8001', 'baseUrl: 127.0.0.1:8001'))).toMatch(/^c\.yaml:11: key "targets\[1\]\.baseUrl": "127.0.0.1:8001" must be an http\(s\) URL/);
    expect(error(GOOD.replace('{max-requests: 20}', '{speedup: 20}'))).toMatch(/^c\.yaml:13: key "targets\[1\]\.flags\.speedup": the campaign sets --speedup itself/);
    expect(error(GOOD.replace('- name: b', '- name: a'))).toMatch(/^c\.yaml:10: key "targets\[1\]\.name": "a" is used twice/);
    expect(error(GOOD.replace('replay: traces/m.jsonl', 'file: traces/m.jsonl'))).toMatch(/^c\.yaml:17: key "traces\[0\]\.file": unknown key/);
    expect(error(GOOD.replace('load:\n  rate: [2, 4]\n', ''))).toMatch(/needs load: .* or capacity:/);
    expect(error(GOOD.replace('rate: [2, 4]', 'users: [2, 4]'))).toMatch(/^c\.yaml:17: key "traces\[0\]\.replay": a replay trace is open loop/);
    expect(error('name: x\n  bad: [')).toMatch(/^c\.yaml:\d+: not valid YAML/);
    expect(error(`${GOOD}capacity: {load: speedup, min: 1, max: 8}\n`)).toMatch(/one trace and one target; this file has 1 trace\(s\) and 2 target\(s\)/);
  });
});

describe('plan', () => {
  const c = parseCampaign(GOOD, '/c/sweep.yaml');

  it('makes traces x loads x targets with ids, labels and command lines', () => {
    const points = planMatrix(c, () => 0.5);
    expect(points.map((p) => p.id)).toEqual(['moon-r2-a', 'moon-r2-b', 'moon-r4-a', 'moon-r4-b']);
    expect(points[0].labels).toEqual({ target: 'a', trace: 'moon', engine: 'vllm', rate: '2' });
    // rate 2 on a trace recorded at 0.5 req/s: speed-up 4; target flags win over the campaign's.
    expect(points[1].argv).toEqual(['replay', '--trace', '/c/traces/m.jsonl', '--base-url', 'http://127.0.0.1:8001', '--model', 'm', '--speedup', '4',
      '--max-requests', '20', '--stream', '--no-ignore-eos', '--salt', 'sweep/moon-r2-b']);
    // Every point its own prompt text (no cache carried over from earlier points); its warm-up shares it.
    expect(new Set(points.map((p) => p.argv[p.argv.indexOf('--salt') + 1])).size).toBe(points.length);
    expect(warmupArgv(points[1], 5)).toContain('sweep/moon-r2-b');
    expect(warmupArgv(points[1], 5).slice(-2)).toEqual(['--max-requests', '5']);
    expect(warmupArgv(points[1], 5).filter((a) => a === '--max-requests').length).toBe(1);
  });

  it('loads sessions by users or time scale', () => {
    const s = parseCampaign(GOOD.replace('replay: traces/m.jsonl', 'sessions: traces/s/').replace('rate: [2, 4]', 'users: [8]').replace('warmup: {requests: 5}\n', ''), '/c/x.yaml');
    const p = planMatrix(s, () => 1)[0];
    expect(p.argv.slice(0, 5)).toEqual(['sessions', '--traces', '/c/traces/s', '--base-url', 'http://127.0.0.1:8000']);
    expect(p.argv).toContain('--users');
    // A salt the user gives (here target b's) replaces the per-point one: those points share a cache.
    const salted = planMatrix(parseCampaign(GOOD.replace('{max-requests: 20}', '{max-requests: 20, salt: shared}'), '/c/sweep.yaml'), () => 0.5);
    const saltsOf = (target: string) => salted.filter((q) => q.labels.target === target).map((q) => q.argv.filter((a, i) => q.argv[i - 1] === '--salt'));
    expect(saltsOf('b')).toEqual([['shared'], ['shared']]);
    expect(saltsOf('a')).toEqual([['sweep/moon-r2-a'], ['sweep/moon-r4-a']]);
    const fast = planPoint({ ...s, flags: { 'time-scale': 0.5 } }, s.traces[0], s.targets[0], { kind: 'speedup', value: 4 }, () => 1, 'cap-');
    expect(fast.id).toBe('moon-cap-x4-a');
    expect(fast.argv.join(' ')).toContain('--time-scale 0.125');
  });

  it('keeps ids filesystem-safe and short', () => {
    expect(pointId('t', { kind: 'speedup', value: 1 / 3 }, 'a')).toBe('t-x0.3333-a');
    expect(flagArgs({ threshold: ['a', 'b'] })).toEqual(['--threshold', 'a', '--threshold', 'b']);
  });
});

describe('flag names', () => {
  const known = { replay: new Set(['max-requests', 'workers']), sessions: new Set(['sessions', 'workers']) };
  it('checks each flag map against the commands it reaches', () => {
    expect(() => parseCampaign(GOOD, 'c.yaml', known)).toThrow('c.yaml:3: key "flags.stream": llm-replay replay has no flag --stream (see llm-replay replay --help)');
    const ok = GOOD.replace('flags: {max-requests: 40, stream: true, ignore-eos: false}', 'flags: {workers: 2}');
    expect(parseCampaign(ok, 'c.yaml', known).flags).toEqual({ workers: 2 });
    const both = ok.replace('load:', '  - name: s\n    sessions: s/\n    flags: {sessions: 3}\nload:').replace('rate: [2, 4]', 'speedup: [1]').replace('warmup: {requests: 5}\n', '').replace('    flags: {max-requests: 20}\n', '');
    expect(parseCampaign(both, 'c.yaml', known).traces.map((t) => t.kind)).toEqual(['replay', 'sessions']);
    expect(() => parseCampaign(both.replace('flags: {workers: 2}', 'flags: {sessions: 2}'), 'c.yaml', known)).toThrow(/key "flags.sessions": llm-replay replay has no flag --sessions/);
    // A target's flags reach every trace, so a replay-only flag there fails for the sessions trace.
    expect(() => parseCampaign(ok.replace('load:', '  - name: s\n    sessions: s/\nload:').replace('rate: [2, 4]', 'speedup: [1]').replace('warmup: {requests: 5}\n', ''), 'c.yaml', known))
      .toThrow('c.yaml:12: key "targets[1].flags.max-requests": llm-replay sessions has no flag --max-requests (see llm-replay sessions --help)');
  });
});
