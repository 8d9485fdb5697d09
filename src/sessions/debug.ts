// The debug record of one request (-e DEBUG_BODIES=true): the full request body and headers and
// the full response (every SSE event's data, or the body), one JSON line prefixed with
// DEBUG_PREFIX. k6 scripts cannot write files while running, so the lines go to the console;
// `k6 run --log-format=raw --console-output=FILE` puts them in FILE and
// `sed -n 's/^k6lr-debug //p' FILE > bodies.jsonl` keeps only them. The API key never appears:
// the Authorization header is replaced, and any other occurrence of the key is masked too.

export const DEBUG_PREFIX = 'k6lr-debug ';
export const REDACTED = '[redacted]';

const SECRET_HEADERS = /^(authorization|x-api-key|api-key|proxy-authorization)$/i;

export function redactHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(h)) out[k] = SECRET_HEADERS.test(k) ? REDACTED : h[k];
  return out;
}

export interface DebugRecord {
  requestId: string;
  session: string;
  agent: string;
  turn: number;
  url: string;
  headers: Record<string, string>;
  /** The request body as sent (parsed back from its JSON). */
  request: unknown;
  status: number;
  /** Streamed responses: the data of every SSE event, in order. */
  events?: readonly string[];
  /** Non-streamed responses (and error bodies). */
  body?: string;
  error?: string;
}

/** One console line: prefix + JSON, with the secret masked wherever it occurs. */
export function debugLine(r: DebugRecord, secret: string | undefined): string {
  const line = DEBUG_PREFIX + JSON.stringify({ ...r, headers: redactHeaders(r.headers) });
  return secret ? line.split(secret).join(REDACTED) : line;
}
