import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineSeries } from '../../../src/report/engine-series';
import { TimeBins } from '../../../src/report/timebins';

/** engine-metrics.jsonl lines of one vLLM scrape per second: counters rising at fixed rates. */
function scrapes(seconds: number, t0: number): string {
  const lines: string[] = [];
  for (let s = 0; s <= seconds; s++) {
    const t = t0 + s * 1000;
    const samples: Array<[string, number, Record<string, string>]> = [
      ['vllm:num_requests_running', s % 2 ? 4 : 6, { model_name: 'm' }],
      ['vllm:num_requests_waiting', 1, { model_name: 'm' }],
      ['vllm:kv_cache_usage_perc', 0.5, { model_name: 'm' }],
      ['vllm:generation_tokens_total', 100 * s, { model_name: 'm' }],
      ['vllm:prefix_cache_queries_total', 1000 * s, { model_name: 'm' }],
      ['vllm:prefix_cache_hits_total', 300 * s, { model_name: 'm' }],
    ];
    for (const [name, value, labels] of samples) lines.push(JSON.stringify({ t, name, value, labels }));
  }
  return lines.join('\n') + '\n';
}

describe('engine series from engine-metrics.jsonl', () => {
  it('averages levels per bin and turns counters into rates spread between scrapes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-series-'));
    const file = join(dir, 'engine-metrics.jsonl');
    const t0 = 1_790_000_000_000;
    writeFileSync(file, scrapes(19, t0));
    const bins = new TimeBins(t0, t0 + 20_000, 10); // 2 s bins: two scrapes each
    const s = engineSeries(file, bins, 'm')!;
    expect(s.engine).toBe('vllm');
    expect(s.scrapes).toBe(20);
    expect(s.running.every((v) => v === 5)).toBe(true);
    expect(s.waiting.every((v) => v === 1)).toBe(true);
    expect(s.kvUsage[3]).toBe(0.5);
    for (const v of s.generationTokensPerS) expect(v).toBeCloseTo(100, 9);
    for (const v of s.prefixHitRate) expect(v).toBeCloseTo(0.3, 9);
  });

  it('gives nothing for a file of no known engine', () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-series-'));
    const file = join(dir, 'engine-metrics.jsonl');
    writeFileSync(file, JSON.stringify({ t: 1, name: 'process_cpu_seconds_total', value: 3, labels: {} }) + '\n');
    expect(engineSeries(file, new TimeBins(0, 10, 1))).toBeUndefined();
  });
});
