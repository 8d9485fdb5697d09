// Merging the results of the k6 instances of one run (execution segments): counters add up,
// histograms merge exactly, and the latency statistics are read from the merged histograms
// (within 0.5% of the sample values; the per-instance Trend percentiles cannot be merged).

import { HISTOGRAMS } from './names';
import { mergeHistograms, type LogHistogram } from './histogram';
import { assembleResult, statsOf, type ReplayResult, type ResultCounts } from './summary';

export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

/** "n/d", a decimal or a percentage, as k6 writes segment bounds. */
function parseBound(text: string): number {
  const t = text.trim();
  if (t.endsWith('%')) return Number(t.slice(0, -1)) / 100;
  const [n, d] = t.split('/');
  return d === undefined ? Number(n) : Number(n) / Number(d);
}

/** A k6 execution segment "from:to" as numbers in [0, 1]. */
export function segmentBounds(segment: string): [number, number] {
  const parts = segment.split(':');
  const bounds = parts.length === 2 ? [parseBound(parts[0]), parseBound(parts[1])] : [NaN, NaN];
  if (!bounds.every((b) => b >= 0 && b <= 1) || !(bounds[0] < bounds[1])) throw new MergeError(`not an execution segment: "${segment}"`);
  return bounds as [number, number];
}

/** True when the segments tile [0, 1] exactly, without gaps or overlaps. */
export function segmentsCoverAll(segments: string[]): boolean {
  const sorted = segments.map(segmentBounds).sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [from, to] of sorted) {
    if (Math.abs(from - at) > 1e-9) return false;
    at = to;
  }
  return Math.abs(at - 1) <= 1e-9;
}

function addCounts(a: ResultCounts, r: ReplayResult): ResultCounts {
  const errors = { ...a.errors };
  for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  return {
    sent: a.sent + r.requests.sent,
    succeeded: a.succeeded + r.requests.succeeded,
    failed: a.failed + r.requests.failed,
    droppedIterations: a.droppedIterations + r.requests.droppedIterations,
    errors,
    input: a.input + r.tokens.input,
    output: a.output + r.tokens.output,
    cached: a.cached + r.tokens.cached,
    countedByChunks: a.countedByChunks + r.tokens.countedByChunks,
  };
}

/** One result for the whole run. `names[i]` names results[i] in error messages (its file). */
export function mergeResults(results: ReplayResult[], names: string[] = results.map((_, i) => `result ${i + 1}`)): ReplayResult {
  if (results.length === 0) throw new MergeError('nothing to merge');
  const first = results[0];
  results.forEach((r, i) => {
    if (r.version !== 1 || !r.run || !r.requests) throw new MergeError(`${names[i]}: not a k6-llm-replay result (version 1)`);
    if (r.run.trace !== first.run.trace || r.run.plannedRequests !== first.run.plannedRequests) {
      throw new MergeError(`${names[i]}: replays ${r.run.trace} (${r.run.plannedRequests} requests), ${names[0]} replays ${first.run.trace} (${first.run.plannedRequests}): not one run`);
    }
    if (r.run.runId !== first.run.runId) {
      throw new MergeError(`${names[i]}: run id ${r.run.runId} differs from ${first.run.runId}: give every instance the same -e RUN_ID`);
    }
    if (!r.run.executionSegment && results.length > 1) {
      throw new MergeError(`${names[i]}: ran the whole trace (no execution segment): merging it with others would count requests twice`);
    }
  });
  let counts: ResultCounts = { sent: 0, succeeded: 0, failed: 0, droppedIterations: 0, errors: {}, input: 0, output: 0, cached: 0, countedByChunks: 0 };
  const histograms: Record<string, LogHistogram> = {};
  for (const r of results) {
    counts = addCounts(counts, r);
    for (const [name, h] of Object.entries(r.histograms ?? {})) histograms[name] = histograms[name] ? mergeHistograms(histograms[name], h) : h;
  }
  const send = histograms[HISTOGRAMS.sendUnix];
  const end = histograms[HISTOGRAMS.endUnix];
  const spanMs = send && end ? end.max - send.min : Math.max(...results.map((r) => r.durationS * 1000));
  const segments = results.map((r) => r.run.executionSegment).filter((s): s is string => !!s);
  const complete = results.length === 1 ? !first.run.executionSegment : segmentsCoverAll(segments);
  const latency = {
    ttft: statsOf(histograms[HISTOGRAMS.ttft]),
    ttfo: statsOf(histograms[HISTOGRAMS.ttfo]),
    tpot: statsOf(histograms[HISTOGRAMS.tpot]),
    itl: statsOf(histograms[HISTOGRAMS.itl]),
    e2e: statsOf(histograms[HISTOGRAMS.e2e]),
    ttfb: null,
    dispatchLag: statsOf(histograms[HISTOGRAMS.dispatchLag]),
  };
  const run = { ...first.run, executionSegment: complete ? null : segments.join(' + ') };
  return assembleResult(run, counts, latency, spanMs, histograms, complete ? Math.max(0, first.run.plannedRequests - counts.sent) : null);
}
