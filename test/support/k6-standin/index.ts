// A stand-in for the k6 runtime, enough to load the k6 export (dist/k6/*.js) in tests without
// k6 (which this project never fetches or runs): see README.md beside this file.
export { loadK6Script, StandinRun, StandinVu, STANDIN_MODULES, type K6Exports, type LoadOptions } from './load';
export { summaryData, k6Percentile, type SummaryData } from './summary';
export { iterationCount, iterationStartsMs, durationMs, type ArrivalScenario } from './schedule';
export type { HttpCall, MetricSample, Responder, StandinResponse } from './host';
