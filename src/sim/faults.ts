// Fault injection: what a request should suffer, from its `x-sim-fault` header or, failing
// that, a seeded random draw (--fault-rate, --fault-kinds, --seed). Pure.
//
// Spec syntax (comma- or semicolon-separated items; the header may combine several):
//   status=CODE        answer CODE (400-599) at once with an OpenAI-style error body
//   stall=MS[@N]       after N tokens (default: half the output) the request pauses MS ms
//   cut=N              drop the connection after N token chunks, without [DONE] (FIN)
//   reset=N            reset the connection (TCP RST) after N token chunks
//   malformed=N        after N token chunks, send one event whose JSON is truncated
//   mid-error=N        after N token chunks, send `data: {"error":...}` then [DONE] and stop
//   slow-first-byte=MS hold the request MS ms before anything is answered (headers included)
// N may be omitted (`cut`, `reset`, `malformed`, `mid-error`) for half the output; `status` alone is 500.
// Durations are model ms, scaled by --time-scale like everything else.

import { fnv1a32 } from './tokenizer.js';
import { fmix32 } from '../prompt/prng';

export type FaultKind = 'status' | 'stall' | 'cut' | 'reset' | 'malformed' | 'mid-error' | 'slow-first-byte';
export const FAULT_KINDS: readonly FaultKind[] = ['status', 'stall', 'cut', 'reset', 'malformed', 'mid-error', 'slow-first-byte'];

/** A position in the output: a token count, or half of the output. */
export type TokenPos = number | 'half';

export interface FaultPlan {
  /** Normalised spec, as recorded in the ground truth. */
  spec: string;
  status?: number;
  stallMs?: number;
  stallAfter?: TokenPos;
  cutAfter?: TokenPos;
  /** The cut is a reset (RST) rather than a close (FIN). */
  reset?: boolean;
  malformedAfter?: TokenPos;
  midErrorAfter?: TokenPos;
  slowFirstByteMs?: number;
}

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

function int(v: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(v)) throw new FaultSpecError(`${what}: expected a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new FaultSpecError(`${what}: ${n} is out of range ${min}..${max}`);
  return n;
}

function pos(v: string | undefined, what: string): TokenPos {
  return v === undefined || v === '' || v === 'half' ? 'half' : int(v, what, 0);
}

/** Parses a fault spec (see the module comment). Throws FaultSpecError naming the bad item. */
export function parseFaultSpec(text: string): FaultPlan {
  const plan: FaultPlan = { spec: '' };
  const parts: string[] = [];
  for (const raw of text.split(/[,;]/)) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const kind = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const val = eq < 0 ? undefined : item.slice(eq + 1).trim();
    switch (kind) {
      case 'status':
        plan.status = val === undefined ? 500 : int(val, 'status', 400, 599);
        parts.push(`status=${plan.status}`);
        break;
      case 'stall': {
        if (val === undefined) throw new FaultSpecError('stall: expected stall=MS or stall=MS@N');
        const [ms, at] = val.split('@');
        plan.stallMs = int(ms, 'stall', 0);
        plan.stallAfter = pos(at, 'stall position');
        parts.push(`stall=${plan.stallMs}${plan.stallAfter === 'half' ? '' : `@${plan.stallAfter}`}`);
        break;
      }
      case 'cut':
        plan.cutAfter = pos(val, 'cut');
        parts.push(plan.cutAfter === 'half' ? 'cut' : `cut=${plan.cutAfter}`);
        break;
      case 'reset':
        plan.cutAfter = pos(val, 'reset');
        plan.reset = true;
        parts.push(plan.cutAfter === 'half' ? 'reset' : `reset=${plan.cutAfter}`);
        break;
      case 'malformed':
        plan.malformedAfter = pos(val, 'malformed');
        parts.push(plan.malformedAfter === 'half' ? 'malformed' : `malformed=${plan.malformedAfter}`);
        break;
      case 'mid-error':
        plan.midErrorAfter = pos(val, 'mid-error');
        parts.push(plan.midErrorAfter === 'half' ? 'mid-error' : `mid-error=${plan.midErrorAfter}`);
        break;
      case 'slow-first-byte':
        if (val === undefined) throw new FaultSpecError('slow-first-byte: expected slow-first-byte=MS');
        plan.slowFirstByteMs = int(val, 'slow-first-byte', 0);
        parts.push(`slow-first-byte=${plan.slowFirstByteMs}`);
        break;
      default:
        throw new FaultSpecError(`unknown fault "${kind}" (known: ${FAULT_KINDS.join(', ')})`);
    }
  }
  if (parts.length === 0) throw new FaultSpecError('empty fault spec');
  plan.spec = parts.join(',');
  return plan;
}

/** Parses --fault-kinds: a comma-separated list of single faults to draw from. */
export function parseFaultKinds(text: string): FaultPlan[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseFaultSpec(s));
}

export const DEFAULT_FAULT_KINDS = 'status=429,status=500,status=503,stall=1000,cut,malformed,mid-error,slow-first-byte=1000';

/** Uniform number in [0, 1) from the seed, the request id and a stream number. */
export function unitHash(seed: number, id: string, stream: number): number {
  return fmix32(fnv1a32(`${seed}:${stream}:${id}`)) / 4294967296;
}

/**
 * The random fault for a request, if any: faulted when a hash of (seed, request id) falls under
 * `rate`, the kind from a second hash. Deterministic per request id, so the same trace replayed
 * with the same seed faults the same requests whatever their arrival order.
 */
export function drawFault(seed: number, id: string, rate: number, kinds: readonly FaultPlan[]): FaultPlan | undefined {
  if (!(rate > 0) || kinds.length === 0) return undefined;
  if (unitHash(seed, id, 1) >= rate) return undefined;
  return kinds[Math.floor(unitHash(seed, id, 2) * kinds.length)];
}

/** The kinds a plan combines (for the sim:faults metric). */
export function faultKinds(p: FaultPlan): FaultKind[] {
  const k: FaultKind[] = [];
  if (p.status !== undefined) k.push('status');
  if (p.stallMs !== undefined) k.push('stall');
  if (p.cutAfter !== undefined) k.push(p.reset ? 'reset' : 'cut');
  if (p.malformedAfter !== undefined) k.push('malformed');
  if (p.midErrorAfter !== undefined) k.push('mid-error');
  if (p.slowFirstByteMs !== undefined) k.push('slow-first-byte');
  return k;
}

/** A position made concrete for an output of `maxTokens` tokens. */
export function resolvePos(p: TokenPos | undefined, maxTokens: number): number | undefined {
  if (p === undefined) return undefined;
  return p === 'half' ? Math.floor(maxTokens / 2) : p;
}
