// The engine's /metrics scrape beside a load command (src/scenarios/scrape.ts), started when
// enabled, its warnings on the progress output, stopped (one last scrape) when the load ends.

import { runEngineScrape } from '../scenarios/scrape';
import type { EngineScrapeSummary } from '../observe/scrape-summary';
import type { ScrapeConfig } from '../observe/config';
import type { MetricSink } from '../metrics/sink';
import type { ProgressReporter } from '../engine/progress';

export interface RunningScrape {
  /** Ends the scrape (one last one); what it saw, or null when it was off. */
  stop(): Promise<EngineScrapeSummary | null>;
}

export function startScrape(enabled: boolean, o: { config: ScrapeConfig; sink: MetricSink; model: string; maxMs: number; progress: ProgressReporter }): RunningScrape {
  if (!enabled) return { stop: async () => null };
  const stop = new AbortController();
  const done = runEngineScrape({
    config: o.config, sink: o.sink, model: o.model, maxMs: o.maxMs, signal: stop.signal,
    log: { warn: (m) => o.progress.message(m), info: () => {} },
  });
  return {
    async stop() {
      stop.abort();
      return (await done).summary;
    },
  };
}
