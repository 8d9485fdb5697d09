// The shared state between the test (the "host") and the stand-in k6 modules that run inside
// each VU's vm context. The modules reach it as globalThis.__K6_STANDIN__; nothing else
// crosses the realm boundary, so every VU evaluates the script's init code on its own, as in k6.

import type { VirtualTimers } from './virtual-timers';

export type Phase = 'init' | 'setup' | 'iteration' | 'summary';
export type Tags = Record<string, string>;

export interface MetricSample {
  metric: string;
  type: 'counter' | 'trend' | 'gauge' | 'rate';
  isTime: boolean;
  value: number;
  tags: Tags;
  /** exec.vu.metrics.metadata at the time of the sample (k6 keeps it out of the tags). */
  metadata: Record<string, string | number | boolean>;
  vu: number;
}

export interface HttpCall {
  method: string;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  /** The k6 params as the script passed them (timeout, tags, responseType, ...). */
  params: Record<string, unknown>;
  /** exec.scenario.iterationInTest of the calling VU (-1 outside iterations). */
  iteration: number;
  /** The virtual clock when the request was sent. */
  atMs: number;
  vu: number;
}

/** What a test's responder returns; k6's response fields are filled in from it. */
export interface StandinResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** k6 `timings` fields in ms (missing ones are 0). */
  timings?: Partial<Record<'blocked' | 'connecting' | 'tls_handshaking' | 'sending' | 'waiting' | 'receiving' | 'duration', number>>;
  error?: string;
  error_code?: number;
}

export type Responder = (call: HttpCall) => StandinResponse;

export interface VuState {
  id: number;
  phase: Phase;
  iterationInTest: number;
  /** exec.vu.metrics.tags and .metadata of this VU. */
  tags: Tags;
  metadata: Record<string, string | number | boolean>;
}

export interface StandinHost {
  env: Record<string, string>;
  /** Reads a file for open(); relative paths resolve against the script's folder, as in k6. */
  readFile(path: string, binary: boolean): string | ArrayBuffer;
  /** SharedArray contents by name, as JSON strings, made once per run. */
  sharedArrays: Map<string, string[]>;
  samples: MetricSample[];
  calls: HttpCall[];
  logs: Array<{ level: string; text: string }>;
  declared: Map<string, { type: MetricSample['type']; isTime: boolean }>;
  respond: Responder;
  /** The virtual clock (Unix ms): sleep() advances it, Date.now() reads it. */
  clock: { nowMs: number };
  /** k6/timers on the virtual clock. */
  timers: VirtualTimers;
  scenario: { name: string; startTimeMs: number };
  options: { executionSegment: string | null };
  vu: VuState;
}

declare global {
  // eslint-disable-next-line no-var
  var __K6_STANDIN__: StandinHost;
}

/** The host as the stand-in modules see it. */
export function host(): StandinHost {
  const h = globalThis.__K6_STANDIN__;
  if (!h) throw new Error('k6 stand-in: no host (load the script with loadK6Script)');
  return h;
}

/** k6 allows some calls (open, new metrics, SharedArray) in init code only. */
export function requireInit(what: string): void {
  const phase = host().vu.phase;
  if (phase !== 'init') throw new Error(`${what} is only allowed in init code (k6 would fail here; called during ${phase})`);
}
