// How a prepared request crosses from a prep worker to the server thread. Token ids and block
// hashes travel as typed arrays whose buffers are transferred (no copy, no per-element
// serialization: a 15k-token prompt costs the server thread ~30 us to turn back into arrays).

import { ApiError } from './errors.js';
import type { PrepOutcome } from './prepare.js';
import type { Endpoint, SimRequestSpec } from './validate.js';

/** Server thread -> worker: one body to prepare. */
export interface PrepJob {
  job: number;
  endpoint: Endpoint;
  body: Uint8Array;
}

type WireSpec = Omit<SimRequestSpec, 'prompts'> & { prompts: Uint32Array[] };

/** Worker -> server thread: the outcome of one job. */
export type PrepReply =
  | { job: number; ok: true; spec: WireSpec; promptHashes?: Float64Array[]; prepUs: number }
  | { job: number; ok: false; status: number; message: string; param: string | null; stream: boolean };

/** The reply for `outcome` and the buffers to transfer with it. */
export function encodeReply(job: number, outcome: PrepOutcome): { reply: PrepReply; transfer: ArrayBuffer[] } {
  if (!outcome.ok) {
    const { error, stream } = outcome;
    return { reply: { job, ok: false, status: error.status, message: error.message, param: error.param, stream }, transfer: [] };
  }
  const { spec, promptHashes, prepUs } = outcome.prepared;
  const prompts = spec.prompts.map((ids) => Uint32Array.from(ids));
  const hashes = promptHashes?.map((h) => Float64Array.from(h));
  const transfer = [...prompts, ...(hashes ?? [])].map((a) => a.buffer as ArrayBuffer);
  return { reply: { job, ok: true, spec: { ...spec, prompts }, promptHashes: hashes, prepUs }, transfer };
}

/** A plain array from a typed one (a loop: Array.from is ~20x slower on big arrays). */
function toArray(a: ArrayLike<number>): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

/** The outcome a reply stands for. */
export function decodeReply(reply: PrepReply): PrepOutcome {
  if (!reply.ok) return { ok: false, error: new ApiError(reply.status, reply.message, reply.param), stream: reply.stream };
  const spec: SimRequestSpec = { ...reply.spec, prompts: reply.spec.prompts.map(toArray) };
  return { ok: true, prepared: { spec, promptHashes: reply.promptHashes?.map(toArray), prepUs: reply.prepUs } };
}
