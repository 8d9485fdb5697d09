// The engine's own /metrics during a campaign point, every sample of every scrape as one JSON
// line of engine-metrics.jsonl ({t, name, value, labels}: the contract's shape), so a report
// can draw the server's series beside the client's. A target without /metrics (the first
// scrape fails) is simply not recorded.

import { createWriteStream, type WriteStream } from 'node:fs';
import { getText, KeepAlive } from '../engine/get-text';
import { parseExposition } from '../observe/exposition';

export interface EngineMetricsRecording {
  /** One last scrape, then closes; resolves with the samples written (0: nothing was recorded). */
  stop(): Promise<number>;
}

export async function recordEngineMetrics(url: string, intervalMs: number, file: string): Promise<EngineMetricsRecording> {
  const agent = new KeepAlive();
  let out: WriteStream | undefined;
  let written = 0;
  const scrape = async (): Promise<boolean> => {
    const t = Date.now();
    const a = await getText(url, { accept: 'text/plain' }, Math.max(1000, Math.min(intervalMs, 5000)), agent);
    if ('error' in a || a.status !== 200) return false;
    const lines = parseExposition(a.body).samples.filter((s) => Number.isFinite(s.value)).map((s) => JSON.stringify({ t, name: s.name, value: s.value, labels: s.labels }));
    out ??= createWriteStream(file, { flags: 'w' });
    if (lines.length) out.write(lines.join('\n') + '\n');
    written += lines.length;
    return true;
  };
  if (!(await scrape())) {
    agent.close();
    return { stop: async () => 0 };
  }
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => (running = running.then(scrape)), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await scrape();
      agent.close();
      await new Promise((r) => out!.end(r));
      return written;
    },
  };
}
