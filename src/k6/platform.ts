// The one seam between scenarios and how requests are carried. Two implementations:
// - llmstream (k6/x/llmstream, our xk6 extension): streamed responses with Go-side event
//   timestamps, keep-alive pools, a precise clock, process-wide histograms for per-token data;
// - http (stock k6/http): runs on any k6 and on k6 Cloud, non-streamed, E2E and tokens only.
// Scenarios import a platform and never a transport module directly, so a better transport
// can replace one without touching them.

import type { Exchange } from '../openai/outcome';
import type { LogHistogram } from '../metrics/histogram';

export interface HttpRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  reuseConnections: boolean;
}

export interface Platform {
  name: string;
  /** True when responses are read as they stream (TTFT, ITL available). */
  streaming: boolean;
  /** Sends a request and waits for the whole response (blocks the VU). */
  send(req: HttpRequest): Exchange;
  /** Unix time in ms (sub-ms when the platform has it). */
  nowUnixMs(): number;
  /** Sleeps until a Unix time; false if the test is ending. */
  sleepUntilUnixMs(t: number): boolean;
  /** Adds samples to a process-wide histogram (no-op where the platform has none). */
  record(name: string, values: number[]): void;
  /** Reads a process-wide histogram, or null. */
  snapshot(name: string): LogHistogram | null;
  /** Sends without blocking the VU (for sessions and sub-agents); absent on stock k6. */
  sendAsync?(req: HttpRequest): Promise<Exchange>;
  waitUntilUnixMs?(t: number): Promise<void>;
}
