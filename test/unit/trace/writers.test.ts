import { describe, expect, it } from 'vitest';
import { replayCycles } from '../../../src/trace/cycles';
import type { TurnRecord } from '../../../src/trace/records';
import { readRecords, readTrace } from '../../../src/trace/read';
import { SessionSelector } from '../../../src/trace/slice';
import { textSource } from '../../../src/trace/source';
import { makeWriter, type OutputFormat } from '../../../src/trace/writers';
import { Reblocker } from '../../../src/trace/writers/reblock';
import { sample } from './helpers';

function records(file: string, text = sample(file)) {
  return readRecords(textSource(text, file), text);
}

/** Converts a trace text with a writer and returns the output text and warnings. */
function convert(file: string, to: OutputFormat, text = sample(file)): { text: string; warnings: string[] } {
  const s = records(file, text);
  const w = makeWriter(to);
  const lines: string[] = [];
  let begun = false;
  for (const r of s.records) {
    if (!begun) lines.push(...w.begin({ format: s.format, blockSize: s.ctx.blockSize }));
    begun = true;
    lines.push(...w.write(r));
  }
  lines.push(...w.end());
  return { text: lines.join('\n') + '\n', warnings: [...w.warnings] };
}

const strip = (t: ReturnType<typeof readTrace>) => t.sessions.map((s) => ({ ...s, turns: s.turns.map(({ line: _l, ...rest }) => rest) }));

describe('canonical output', () => {
  it.each(['mooncake-sample.jsonl', 'aiperf-sessions-sample.jsonl', 'kvcache-tester-subagent-excerpt.json', 'sharegpt-sample.json', 'lmcache-sample.jsonl', 'trie-sample.jsonl'])(
    'reads back the same trace from %s',
    (file) => {
      const original = readTrace(sample(file), file);
      const back = readTrace(convert(file, 'canonical').text, 'c.jsonl');
      expect(back.format).toBe('canonical');
      expect(back.blockSize).toBe(original.blockSize);
      expect(strip(back)).toEqual(strip(original));
    },
  );

  it('continues interleaved sessions on later lines and reads them back whole', () => {
    const text = ['a', 'b', 'a', 'b', 'a'].map((id, i) => JSON.stringify({ session_id: id, input_length: 10 + i, output_length: 1, ...(i > 1 ? { delay: 5 } : {}) })).join('\n');
    const out = convert('x.jsonl', 'canonical', text).text;
    expect(out.trim().split('\n')).toHaveLength(6);
    expect(out).toContain('"firstTurn":2');
    expect(strip(readTrace(out, 'c.jsonl'))).toEqual(strip(readTrace(text, 'x.jsonl')));
  });
});

describe('aiperf output', () => {
  it('keeps accumulating sessions as sessions: timestamp first, delay later, appended tokens', () => {
    const rows = convert('aiperf-sessions-sample.jsonl', 'aiperf').text.trim().split('\n').map((l) => JSON.parse(l));
    const chat1 = rows.filter((r) => r.session_id === 'chat-1');
    expect(chat1[0]).toEqual({ session_id: 'chat-1', input_length: 1200, hash_ids: [1, 2, 3], timestamp: 0, output_length: 150 });
    expect(chat1[1]).toEqual({ session_id: 'chat-1', input_length: 300, hash_ids: [5], delay: 2000, output_length: 60 });
    expect(chat1[2].text_input).toContain('summarise');
    const back = readTrace(rows.map((r) => JSON.stringify(r)).join('\n'), 'a.jsonl', { format: 'aiperf' });
    expect(strip(back).find((s) => s.id === 'chat-1')).toEqual(strip(readTrace(sample('aiperf-sessions-sample.jsonl'), 'x')).find((s) => s.id === 'chat-1'));
  });

  it('writes self-contained multi-turn sessions as timed rows, and says so', () => {
    const { text, warnings } = convert('kvcache-tester-trace_0693.json', 'aiperf');
    const rows = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.session_id === undefined && typeof r.timestamp === 'number')).toBe(true);
    expect(warnings.join('\n')).toMatch(/--isl-block-size 64/);
    expect(warnings.join('\n')).toMatch(/timed rows without session_id/);
  });
});

describe('mooncake output', () => {
  it('regroups 64-token blocks into 512-token ones, keeping shared prefixes shared', () => {
    const { text, warnings } = convert('kvcache-tester-subagent-excerpt.json', 'mooncake');
    const rows = text.trim().split('\n').map((l) => JSON.parse(l));
    for (const r of rows) expect(r.hash_ids.length).toBe(Math.ceil(r.input_length / 512));
    // requests 0 and 1 share their first 244 64-token blocks = 30 whole 512-token blocks
    const shared = rows[0].hash_ids.findIndex((id: number, i: number) => id !== rows[1].hash_ids[i]);
    expect(shared).toBe(30);
    expect(warnings[0]).toMatch(/regrouped from 64-token blocks/);
    expect(readTrace(text, 'm.jsonl').sessions).toHaveLength(6);
  });

  it('gives closed-loop turns estimated times after the previous turn', () => {
    const rows = convert('trie-sample.jsonl', 'mooncake').text.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows[0].timestamp).toBe(0);
    expect(rows[1].timestamp).toBeGreaterThan(731 * 30); // the first reply's decode time at least
    expect(rows[1].input_length).toBe(38414 + 731 + 4822);
  });
});

describe('Reblocker', () => {
  it('maps equal prefixes to equal ids and pads uncovered tails with fresh ids', () => {
    const r = new Reblocker(64, 512);
    const a = r.convert(Array.from({ length: 16 }, (_, i) => i), 1100);
    const b = r.convert([...Array.from({ length: 8 }, (_, i) => i), 99], 600);
    expect(a).toHaveLength(3);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
    expect(() => new Reblocker(48, 512)).toThrow(/cannot regroup/);
  });
});

describe('SessionSelector', () => {
  const recs = () => [...records('mooncake-sample.jsonl').records];

  it('keeps a time window, the first N, or a seeded sample', () => {
    const window = recs().filter((r) => new SessionSelector({ fromMs: 3000, toMs: 9000 }).keep(r));
    expect(window.length).toBeGreaterThan(0);
    expect(window.every((r) => r.turn.atMs! >= 3000 && r.turn.atMs! < 9000)).toBe(true);
    const first = new SessionSelector({ first: 7 });
    expect(recs().filter((r) => first.keep(r))).toHaveLength(7);
    expect(first.done).toBe(true);
    const pick = (seed: number) => { const s = new SessionSelector({ sample: 0.25, seed }); return recs().filter((r) => s.keep(r)).map((r) => r.session.id); };
    expect(pick(1)).toEqual(pick(1));
    expect(pick(1)).not.toEqual(pick(2));
    expect(pick(1).length).toBeGreaterThan(40);
    expect(pick(1).length).toBeLessThan(110);
  });

  it('keeps or drops every turn of a session and its sub-agents together', () => {
    const rs = [...records('kvcache-tester-subagent-excerpt.json').records];
    const none = new SessionSelector({ fromMs: 1 });
    expect(rs.filter((r) => none.keep(r))).toHaveLength(0);
    const all = new SessionSelector({ first: 1 });
    expect(rs.filter((r) => all.keep(r))).toHaveLength(6);
  });
});

describe('replayCycles', () => {
  const read = () => records('burstgpt-sample.csv').records as Iterable<TurnRecord>;

  it('divides times by the speed-up and starts each cycle at the previous last arrival', () => {
    const out = [...replayCycles(read, { speedup: 2, cycles: 2 })];
    const at = out.map((r) => r.turn.atMs);
    expect(at).toEqual([0, 20_000, 56_500, 62_500, 63_000, 63_000, 83_000, 119_500, 125_500, 126_000]);
    expect(new Set(out.map((r) => r.session.id)).size).toBe(10);
  });

  it('sends everything at once with speed-up 0 and needs a bound to cycle forever', () => {
    expect([...replayCycles(read, { speedup: 0 })].every((r) => r.turn.atMs === 0)).toBe(true);
    expect(() => [...replayCycles(read, { cycles: 0 })]).toThrow(/needs a request limit/);
    expect([...replayCycles(read, { cycles: 0, maxRequests: 12 })]).toHaveLength(12);
  });
});
