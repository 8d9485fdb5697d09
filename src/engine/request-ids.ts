// Request ids on the wire. Servers read them in different places and accept different shapes:
// vLLM takes the X-Request-Id header as the request id (any string); SGLang ignores the header
// and takes the body's `rid`; llama-server ignores both; llama-cpp-python's server answers 400 to
// an X-Request-Id that is not a UUID. So the default id is a UUID (RFC 9562 version 8, "custom")
// that every one of them accepts, sent in the header and, where the server reads it there, in a
// body field, so the server's logs join the run's records. Its first 18 hex digits come from the
// run id (the same in every worker and instance of a run), its last group is the request's index
// in decimal: `…-000000000042` is request 42 of the run (records also keep RUNID-N).

import { createHash } from 'node:crypto';

import type { ReplayConfig } from '../config/replay';

export type RequestIdFormat = ReplayConfig['requestIdFormat'];

/** The run's own name of request `index`: RUNID-N. */
export function runRequestId(runId: string, index: number): string {
  return `${runId}-${index}`;
}

/** Request ids of one run. */
export class RequestIds {
  private readonly prefix: string;

  constructor(
    readonly runId: string,
    readonly format: RequestIdFormat,
  ) {
    const h = createHash('sha256').update(runId).digest('hex');
    // time_low (8) - time_mid (4) - version 8 + 3 - variant 10xx (8) + 3 - node (12: the index).
    this.prefix = `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(12, 15)}-8${h.slice(15, 18)}-`;
  }

  /** What every id of this run starts with (its UUIDs, or RUNID-). */
  get runPrefix(): string {
    return this.format === 'run' ? `${this.runId}-` : this.prefix;
  }

  /** The id sent for request `index`. */
  wire(index: number): string {
    if (this.format === 'run') return runRequestId(this.runId, index);
    if (!(Number.isInteger(index) && index >= 0 && index < 1e12)) throw new RangeError(`request index ${index} does not fit a UUID's last group`);
    return this.prefix + String(index).padStart(12, '0');
  }
}

/**
 * The body field that carries the id for a server that reads it there, from what /v1/models
 * says owns the model (`owned_by`): SGLang's `rid`. `configured` (--request-id-field) wins;
 * "none" sends no field.
 */
export function requestIdField(configured: string | undefined, ownedBy: string | undefined): string | undefined {
  if (configured !== undefined) return configured === 'none' || configured === '' ? undefined : configured;
  return ownedBy === 'sglang' ? 'rid' : undefined;
}
