// Bench of the live dashboard's work on the main thread: folding samples into the feed (per
// sample, as a run at high rate hands them over) and building the state sent to the pages once
// a second (charts from the report's builders, JSON) for a run of 600 one-second bins.
// usage: npx tsx scripts/bench/live.ts [--quick]

import { LiveDashboard } from '../../src/live/dashboard';
import type { Sample } from '../../src/outputs/sample';

const quick = process.argv.includes('--quick');
const REQUESTS = quick ? 50_000 : 300_000;
const SPAN_S = 600;
const t0 = Date.now() - SPAN_S * 1000;

function samplesOf(i: number): Sample[] {
  const at = t0 + (i / REQUESTS) * SPAN_S * 1000;
  const tags = { run: 'bench', outcome: i % 50 === 0 ? 'error' : 'ok', reason: 'http_503' };
  const s = (metric: string, type: Sample['type'], value: number): Sample => ({ metric, type, isTime: type === 'trend', value, timeUnixMs: at, tags });
  return [s('llm_requests_sent', 'counter', 1), s('llm_ttft', 'trend', 20 + (i % 400)), s('llm_itl_mean', 'trend', 5 + (i % 7)), s('llm_e2e', 'trend', 900 + (i % 900)),
    s('llm_output_tokens', 'counter', 100), s('llm_prompt_tokens', 'counter', 2000), s('llm_requests', 'counter', 1)];
}

const dash = new LiveDashboard({ host: '127.0.0.1', port: 0 }, 'bench', 'bench', () => {});
// The feed starts at construction: samples are placed over the 600 s before now.
(dash as unknown as { feed: { startUnixMs: number } }).feed.startUnixMs = t0;
const batches = Array.from({ length: REQUESTS }, (_, i) => samplesOf(i));
const heapBefore = process.memoryUsage().heapUsed;
let start = performance.now();
for (const b of batches) dash.add(b);
const addMs = performance.now() - start;
const n = REQUESTS * 7;
start = performance.now();
let json = JSON.stringify(dash.payload(false));
const firstMs = performance.now() - start;
// Then as in a run: a second's samples land in the newest bin, whose figures alone are computed again.
const times: number[] = [];
for (let i = 0; i < 30; i++) {
  for (let j = 0; j < 1000; j++) dash.add(samplesOf(REQUESTS - 1));
  start = performance.now();
  json = JSON.stringify(dash.payload(false));
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const payloadMs = times[15];
const maxMs = times[times.length - 1];
console.log(`live dashboard: ${n} samples (${REQUESTS} requests over ${SPAN_S} s) folded in ${addMs.toFixed(0)} ms: ${((addMs * 1e6) / n).toFixed(0)} ns/sample`);
console.log(`live dashboard: state of a ${SPAN_S}-bin run built in ${payloadMs.toFixed(1)} ms per second (median of 30, max ${maxMs.toFixed(1)}; the first time, every bin: ${firstMs.toFixed(0)} ms), ${(json.length / 1024).toFixed(0)} KiB per event; heap ~${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(0)} MB incl. the samples`);
