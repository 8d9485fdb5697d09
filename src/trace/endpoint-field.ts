// The per-row `endpoint` field: a trace row may say which API it went to, so one trace can mix
// generation, embeddings and rerank. Accepts the endpoint's name (messages) or its path
// (/v1/messages); a row without one is sent to the run's --endpoint.

import { ENDPOINT_PATHS, ENDPOINTS, type Endpoint } from '../openai/request';
import { TraceError } from './errors';

const BY_PATH = new Map<string, Endpoint>(Object.entries(ENDPOINT_PATHS).map(([e, p]) => [p, e as Endpoint]));

export function optionalEndpoint(row: Record<string, unknown>, ctx: { file: string; line: number }, field = 'endpoint'): Endpoint | undefined {
  const v = row[field.slice(field.lastIndexOf('.') + 1)];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    if ((ENDPOINTS as readonly string[]).includes(v)) return v as Endpoint;
    const byPath = BY_PATH.get(v.replace(/\/+$/, ''));
    if (byPath) return byPath;
  }
  throw new TraceError(ctx.file, ctx.line, field, `unknown endpoint ${JSON.stringify(v)}: use one of ${ENDPOINTS.join(', ')} (or its path, e.g. /v1/messages)`);
}
