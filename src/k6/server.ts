// What every scenario needs from the target server before and while it runs: the auth header,
// the model name (asked of /v1/models when not given), and a bounded log of failed requests.

import http from 'k6/http';
import type { RequestOutcome } from '../openai/outcome';

/** The bearer header for an API key; the key itself is never logged. */
export function authHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

/** The model to name in requests: the one given, or the first the server lists. */
export function resolveModel(baseUrl: string, model: string | undefined, apiKey: string | undefined): string {
  if (model) return model;
  const res = http.get(`${baseUrl}/v1/models`, { headers: authHeaders(apiKey), timeout: '10s' });
  if (res.status !== 200) {
    throw new Error(`cannot list models at ${baseUrl}/v1/models (status ${res.status}${res.error ? `, ${res.error}` : ''}): ` +
      'check BASE_URL, or pass -e MODEL=name');
  }
  const listed = (res.json() as { data?: Array<{ id?: string }> }).data?.[0]?.id;
  if (!listed) throw new Error(`${baseUrl}/v1/models lists no model: pass -e MODEL=name`);
  return listed;
}

/** Log at most this many failed requests per VU (the summary counts them all). */
const MAX_ERROR_LOGS_PER_VU = 5;

/** A per-VU logger of failed requests that stops after a few lines. */
export function failureLogger(quiet: boolean): (requestId: string, line: number | undefined, o: RequestOutcome) => void {
  let logged = 0;
  return (requestId, line, o) => {
    if (o.ok || quiet || logged >= MAX_ERROR_LOGS_PER_VU) return;
    logged++;
    console.warn(`request ${requestId} (trace line ${line ?? '?'}) failed: ${o.reason}: ${o.detail ?? ''}` +
      (logged === MAX_ERROR_LOGS_PER_VU ? ' (further errors of this VU are counted, not logged)' : ''));
  };
}

/**
 * Prints an options text one line per log entry (readable in k6's default log format, clean with
 * --log-format raw) and stops the script before it does anything else.
 */
export function showHelp(text: string): never {
  for (const line of text.split('\n')) console.log(line);
  throw new Error('options printed above (-e HELP=1); run again without HELP to start the test');
}
