// Transitional: the old call shape of the sessions runner (src/k6/sessions-runner.ts) over the
// core recordRequest and the k6 sink. Delete this file when the runner moves to src/sessions.

import { recordRequest as recordCore } from '../metrics/record';
import type { RequestOutcome } from '../openai/outcome';
import type { Platform } from './platform';
import { K6MetricSink, REQUEST_METRICS } from './sink';

const sink = new K6MetricSink(REQUEST_METRICS);

export function recordRequest(_platform: Platform, lagMs: number, o: RequestOutcome, requestId: string, sendRunMs: number, sendUnixMs: number): void {
  sink.withRequestId(requestId, () => recordCore(sink, { lagMs, sendRunMs, sendUnixMs }, o));
}
