import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { buildInfoOf, cardDifferences, cardFlags, fileSha256, finishCard, startCard, type RunCard } from '../../src/outputs/run-card';
import { REPLAY_FLAGS } from '../../src/cli/replay';

const SERVER = { models: [{ id: 'm' }], version: { version: '0.9' }, buildInfo: {} };

function card(argv: string[]): RunCard {
  return finishCard(startCard({ runId: 'r1', command: 'replay', argv, specs: REPLAY_FLAGS, traces: [], server: SERVER }), {}, 10);
}

describe('run card', () => {
  it('keeps every flag as typed, masks credentials in URLs, lists seeds and salts', () => {
    const f = cardFlags(['--trace', 't.jsonl', '--salt', 's1', '--out', 'influxdb=http://user:pw@db:8086/k6', '--out', 'jsonl=x.jsonl', '--no-stream'], REPLAY_FLAGS, 'replay');
    expect(f).toEqual({ trace: 't.jsonl', salt: 's1', stream: 'false', out: ['influxdb=http://***@db:8086/k6', 'jsonl=x.jsonl'] });
    expect(card(['--trace', 't', '--salt', 'abc']).seeds).toEqual({ salt: 'abc' });
  });

  it('transport from the summary (top level or engine block), else js', () => {
    const base = startCard({ runId: 'r', command: 'replay', argv: [], specs: REPLAY_FLAGS, traces: [], server: SERVER });
    expect(finishCard(base, {}, 1).transport).toBe('js');
    expect(finishCard(base, { transport: 'native' }, 1).transport).toBe('native');
    expect(finishCard(base, { engine: { transport: 'native' } }, 1).transport).toBe('native');
  });

  it('hashes the trace file and reads build info from /metrics', () => {
    const file = join(tmpdir(), `card-${process.pid}.jsonl`);
    writeFileSync(file, 'abc');
    expect(fileSha256(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const c = startCard({ runId: 'r', command: 'replay', argv: [], specs: REPLAY_FLAGS, traces: [file, 's3://b/k'], server: SERVER });
    expect(c.traces).toEqual([{ path: file, sha256: fileSha256(file), bytes: 3 }, { path: 's3://b/k', sha256: null, bytes: null }]);
    expect(buildInfoOf('# HELP x\nsglang:build_info{version="0.4.1"} 1\nvllm:num_requests_running 2\n')).toEqual({ 'sglang:build_info{version="0.4.1"}': 1 });
  });

  it('differences: anything but the run id and where results go', () => {
    const a = card(['--trace', 't', '--salt', 'a', '--run-id', 'one', '--summary-json', 'a.json']);
    const b = { ...card(['--trace', 't', '--salt', 'b', '--run-id', 'two', '--summary-json', 'b.json']), runId: 'r2' };
    expect(cardDifferences(a, b)).toEqual(['flags.salt: "a" -> "b"', 'seeds.salt: "a" -> "b"']);
    expect(cardDifferences(a, { ...a, runId: 'x' })).toEqual([]);
    expect(cardDifferences(a, { ...a, transport: 'native' })).toEqual(['transport: "js" -> "native"']);
  });
});
