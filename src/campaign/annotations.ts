// Point markers for Grafana: the campaign writes llm_campaign_point (1 while a point runs, 0 when
// it ends) tagged campaign, point and the point's labels to the same InfluxDB / Prometheus
// outputs as its points. The dashboards read it as annotations: InfluxDB rows with value 1 are
// starts and 0 ends; Prometheus regions where the series is >= 1 (Grafana's own rule). A sample
// every 30 s keeps a long point inside Prometheus' 5-minute look-back.

import { createOutput } from '../outputs/factory';
import type { Output, Sample } from '../outputs/sample';
import { CAMPAIGN_METRICS } from '../metrics/names';

const KEEPALIVE_MS = 30_000;

export interface PointMarkers {
  start(point: string, labels: Record<string, string>): void;
  end(): void;
  close(log: (t: string) => void): Promise<void>;
}

export async function openPointMarkers(campaign: string, specs: readonly string[], warn: (t: string) => void): Promise<PointMarkers> {
  const outputs: Output[] = specs.map((s) => createOutput(s, { warn }));
  for (const o of outputs) {
    try {
      await o.start();
    } catch (e) {
      throw new Error(`campaign outputs: --out ${o.description}: ${(e as Error).message}`);
    }
  }
  let tags: Record<string, string> | null = null;
  let timer: NodeJS.Timeout | undefined;
  const emit = (value: number) => {
    if (!tags) return;
    const s: Sample = { metric: CAMPAIGN_METRICS.point, type: 'gauge', isTime: false, value, timeUnixMs: Date.now(), tags };
    for (const o of outputs) o.add([s]);
  };
  return {
    start(point, labels) {
      tags = { ...labels, campaign, point };
      emit(1);
      timer = setInterval(() => emit(1), KEEPALIVE_MS);
    },
    end() {
      clearInterval(timer);
      emit(0);
      tags = null;
    },
    async close(log) {
      clearInterval(timer);
      for (const o of outputs) {
        try {
          await o.stop();
        } catch (e) {
          log(`--out ${o.description}: ${(e as Error).message}`);
        }
      }
    },
  };
}
