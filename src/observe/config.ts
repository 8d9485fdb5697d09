// Options of the `scrape` scenario (the engine's /metrics, read during the replay), from k6 -e
// variables. Pure.

import { EnvReader, OptionError, type EnvMap, k6Label, type OptionLabel } from '../config/env';
import { ENGINE_NAMES, type EngineName } from './engines';

export interface ScrapeConfig {
  enabled: boolean;
  url: string;
  intervalS: number;
  /** Per-request limit: about the interval (2-10 s); a slow server delays scrapes, never the end of the test. */
  timeoutS: number;
  /** null = recognise the engine from its metric names. */
  engine: EngineName | null;
}

export const SCRAPE_HELP = `
Engine metrics (the \`scrape\` scenario runs beside the replay and stops with it):
  SCRAPE=true           read the engine's Prometheus /metrics during the run (engine_* metrics)
  SCRAPE_URL=           default: BASE_URL/metrics
  SCRAPE_INTERVAL_S=5   seconds between scrapes
  SCRAPE_ENGINE=auto    auto (from the metric names), vllm, sglang or llamacpp
`;

export function readScrapeConfig(env: EnvMap, baseUrl: string, label: OptionLabel = k6Label): ScrapeConfig {
  const r = new EnvReader(env, label);
  const url = r.string('SCRAPE_URL', `${baseUrl.replace(/\/+$/, '')}/metrics`);
  if (!/^https?:\/\/[^/]/.test(url)) throw new OptionError(`${r.label('SCRAPE_URL', url)}: must start with http:// or https://`);
  const intervalS = r.number('SCRAPE_INTERVAL_S', 5, (n) => n >= 0.1 && n <= 3600, 'seconds between 0.1 and 3600');
  const engine = r.oneOf('SCRAPE_ENGINE', ['auto', ...ENGINE_NAMES] as const, 'auto');
  return {
    enabled: r.bool('SCRAPE', true),
    url,
    intervalS,
    timeoutS: Math.max(2, Math.min(intervalS, 10)),
    engine: engine === 'auto' ? null : engine,
  };
}
