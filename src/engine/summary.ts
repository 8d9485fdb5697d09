// The end of a run: thresholds evaluated on the merged metrics, the vLLM-style table and the
// thresholds block printed, the result JSON written (also when interrupted), and the exit code.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { K6SummaryData } from '../metrics/summary';
import { evaluateThresholds, renderThresholds, summaryThresholds, thresholdsPassed, type Threshold, type ThresholdResult } from './thresholds';
import { EXIT } from './exit-codes';

export function checkThresholds(thresholds: readonly Threshold[], data: K6SummaryData): ThresholdResult[] {
  return evaluateThresholds(thresholds, data.metrics);
}

/** Writes JSON (creating folders), naming the file when it cannot. */
export function writeJson(path: string, value: unknown): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Prints the table and thresholds; returns the exit code (99 when a threshold failed). */
export function finishRun(table: string, results: ThresholdResult[], interrupted: boolean, write: (s: string) => void, color: boolean): number {
  write(table);
  const block = renderThresholds(results, { color });
  if (block) write('\n' + block + '\n');
  if (interrupted) write('\nThe run was interrupted: the summary covers what was measured until then.\n');
  if (!thresholdsPassed(results)) return EXIT.thresholds;
  return interrupted ? EXIT.interrupted : EXIT.ok;
}

export { summaryThresholds };
