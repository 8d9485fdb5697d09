import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRACES } from './helpers';

const ROOT = join(__dirname, '../../..');

function trace(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/trace/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('trace CLI', () => {
  it('stats --json gives machine-readable figures', () => {
    const r = trace('stats', join(TRACES, 'mooncake-sample.jsonl'), '--json', '--cache-blocks', '500');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ format: 'mooncake', requests: 300, sessions: 300 });
    expect(j.prefixReuse.lru.capacityBlocks).toBe(500);
    expect(j.isl.p50).toBeGreaterThan(0);
  });

  it('validate exits 1 and lists bad rows with line and field; 0 on a good file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-cli-'));
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"timestamp":0,"input_length":5,"output_length":1,"hash_ids":[1]}\n{"timestamp":1,"input_length":"x","output_length":1,"hash_ids":[1]}\nnot json\n');
    const r = trace('validate', bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${bad}:2: field "input_length"`);
    expect(r.out).toContain(`${bad}:3: not valid JSON`);
    expect(r.out).toContain('2 bad row(s)');
    expect(trace('validate', join(TRACES, 'trie-sample.jsonl')).code).toBe(0);
  });

  it('stops at the first bad row without --skip-bad (exit 1), counts them with it (exit 0)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-cli-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'Timestamp,Model,Request tokens,Response tokens\n1,ChatGPT,10,2\n2,ChatGPT,ten,2\n');
    const r = trace('stats', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:3: field "Request tokens"`);
    const s = trace('stats', bad, '--skip-bad', '--json');
    expect(s.code).toBe(0);
    expect(JSON.parse(s.out)).toMatchObject({ requests: 1, skippedRows: 1 });
    expect(s.err).toContain('skipped 1 bad row(s)');
  });

  it('convert writes a file peers read, slice keeps the input format verbatim', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-cli-'));
    const out = join(dir, 'a.jsonl');
    expect(trace('convert', join(TRACES, 'trie-sample.jsonl'), '--to', 'aiperf', '-o', out).code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(8);
    const s = trace('slice', join(TRACES, 'azure-2023-conv-sample.csv'), '--first', '3');
    expect(s.code).toBe(0);
    // the kept lines verbatim (line ends become \n)
    const src = readFileSync(join(TRACES, 'azure-2023-conv-sample.csv'), 'utf8').split(/\r?\n/);
    expect(s.out).toBe(src.slice(0, 4).join('\n') + '\n');
  });

  it('answers --help with 0', () => {
    for (const cmd of ['stats', 'convert', 'slice', 'validate']) {
      const r = trace(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: llm-replay trace ${cmd}`));
    }
    expect(trace('--help').code).toBe(0);
  });

  it('answers misuse with 2 and a missing file with 1', () => {
    expect(trace('frobnicate').code).toBe(2);
    expect(trace('stats').code).toBe(2);
    expect(trace('convert', join(TRACES, 'trie-sample.jsonl'), '--to', 'csv').code).toBe(2);
    expect(trace('stats', join(TRACES, 'trie-sample.jsonl'), '--format', 'nope').code).toBe(2);
    expect(trace('slice', join(TRACES, 'trie-sample.jsonl')).code).toBe(2);
    expect(trace('stats', '/no/such/file').code).toBe(1);
  });
});
