// The end of a scripted run: custom metrics printed under the standard table (k6's layout),
// and handleSummary's return turned into text on stdout/stderr and files.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { K6SummaryData } from '../../metrics/summary';
import type { SummaryOutput } from './scenario';

export interface MetricDeclaration {
  kind: 'counter' | 'trend' | 'gauge';
  isTime: boolean;
}

function fmt(v: number | undefined, unit: string): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  const digits = Number.isInteger(v) ? 0 : Math.abs(v) >= 100 ? 1 : 2;
  return `${v.toFixed(digits)}${unit}`;
}

/** One k6-style line per metric: trends avg/min/med/max/p(90)/p(95), counters count and rate, gauges value. */
export function renderCustomMetrics(data: K6SummaryData, declared: ReadonlyMap<string, MetricDeclaration>): string {
  const names = [...declared.keys()].filter((n) => data.metrics[n]).sort();
  if (names.length === 0) return '';
  const width = Math.max(...names.map((n) => n.length)) + 4;
  const lines = names.map((name) => {
    const d = declared.get(name)!;
    const v = data.metrics[name]!.values;
    const unit = d.isTime ? 'ms' : '';
    const text = d.kind === 'trend'
      ? ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'].map((k) => `${k}=${fmt(v[k], unit)}`).join(' ')
      : d.kind === 'counter' ? `${fmt(v.count, '')} ${Number.isFinite(v.rate) ? v.rate.toFixed(2) : 'n/a'}/s` : fmt(v.value, '');
    return `    ${`${name}`.padEnd(width, '.')}: ${text}`;
  });
  return ['  █ CUSTOM METRICS', '', ...lines, ''].join('\n');
}

export interface SummaryWrites {
  stdout?: string;
  stderr?: string;
  /** Absolute paths written. */
  files: string[];
}

/** Writes handleSummary's files (relative to `cwd`; objects as JSON) and returns the texts for stdout/stderr. */
export function applySummaryOutput(out: SummaryOutput, cwd: string): SummaryWrites {
  if (out === null || typeof out !== 'object' || Array.isArray(out)) {
    throw new TypeError('handleSummary must return an object: { stdout?: string, "path/file.json": content, ... }');
  }
  const writes: SummaryWrites = { files: [] };
  for (const [key, value] of Object.entries(out)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n';
    if (key === 'stdout') writes.stdout = text;
    else if (key === 'stderr') writes.stderr = text;
    else {
      const path = resolve(cwd, key);
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
      } catch (e) {
        throw new Error(`handleSummary: cannot write "${key}": ${(e as Error).message}`);
      }
      writes.files.push(path);
    }
  }
  return writes;
}
