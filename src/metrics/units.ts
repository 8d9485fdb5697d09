// Which metrics are times (ms; k6 `isTime`): outputs write them as durations (Prometheus
// *_seconds, InfluxDB ms values) and the summary prints them with units. Everything else
// (token speeds, hit rates in %, counts) is a plain number.

import { SESSION_TRENDS, TRENDS } from './names';
import { ENGINE_LATENCY_GAUGES } from '../observe/names';

const TIME_METRICS = new Set<string>([
  ...Object.values(TRENDS),
  SESSION_TRENDS.ttft, SESSION_TRENDS.ttfat, SESSION_TRENDS.latency,
  ...Object.values(ENGINE_LATENCY_GAUGES),
]);

export function isTimeMetric(name: string): boolean {
  return TIME_METRICS.has(name);
}
