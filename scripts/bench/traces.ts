// Traces the benchmarks replay, written to a temporary folder.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeBigMooncake } from './big-trace';

/** A Mooncake-format trace of `count` requests at a constant `rate` (req/s); no two share a block (512 tokens). */
export function constantRateTrace(dir: string, rate: number, count: number, input: number, output: number): string {
  const path = join(dir, `rate-${rate}-${count}-${input}x${output}.jsonl`);
  const lines: string[] = [];
  const blocks = Math.max(1, Math.ceil(input / 512));
  for (let i = 0; i < count; i++) {
    const ids = Array.from({ length: blocks }, (_, j) => i * blocks + j);
    lines.push(JSON.stringify({ timestamp: (i * 1000) / rate, input_length: input, output_length: output, hash_ids: ids }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const SAMPLE = join(import.meta.dirname ?? '.', '../../traces/mooncake-sample.jsonl');

/** At least `rows` rows of the Mooncake sample repeated with shifted timestamps (big-trace.ts). */
export function mooncakeTraceOfRows(dir: string, rows: number): string {
  const path = join(dir, `mooncake-${rows}.jsonl`);
  const sample = readFileSync(SAMPLE, 'utf8');
  const bytesPerRow = statSync(SAMPLE).size / sample.trim().split('\n').length;
  writeBigMooncake(path, Math.ceil(rows * bytesPerRow * 1.02));
  return path;
}
