// Loading the native I/O core (native/, built by `make build` into dist/native/k6lr_io.node).
// Loaded at most once per thread; when it is missing or does not load, the reason says how to
// get it and the engine uses the JS transport.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface NativeIoOptions {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
  totalMs: number;
  keepAliveMs: number;
  reuse: boolean;
  /** PEM CA certificates trusted besides the system roots (NODE_EXTRA_CA_CERTS, as Node's TLS). */
  caFile?: string;
}

/**
 * Finished requests as the core hands them back, field by field (native/src/node.rs): request i
 * is an Exchange (src/openai/outcome.ts) with its send on CLOCK_MONOTONIC (ns) instead of the
 * Unix clock; its events are eventsEnd[i-1]..eventsEnd[i] of timesMs (each SSE event's receive
 * time, ms since the send) and kinds; the payloads it kept (more than a plain token, or all with
 * keepEvents) are keptEnd[i-1]..keptEnd[i] of kept (its event indices) and data.
 */
export interface NativeBatch {
  id: Uint32Array;
  status: Uint32Array;
  startNs: Float64Array;
  connectMs: Float64Array;
  headersMs: Float64Array;
  endMs: Float64Array;
  streamed: Uint8Array;
  eventsEnd: Uint32Array;
  timesMs: Float64Array;
  kinds: Uint32Array;
  keptEnd: Uint32Array;
  kept: Uint32Array;
  data: string[];
  /** The requests with a body, a failure, invalid lines or a cut tail, by index in the batch. */
  rare: Array<{ index: number; body: string; error: string; errorKind: string; tail: string; invalid: string[] }>;
}

export interface NativeIo {
  send(id: number, origin: string, bytes: Buffer, dueMonoMs: number, keepEvents: boolean): void;
  reserve(origin: string, n: number): void;
  abort(id: number): void;
  abortAll(): void;
  close(): void;
}

export interface NativeModule {
  monotonicMs(): number;
  NativeIo: new (o: NativeIoOptions, onResults: (batch: NativeBatch) => void) => NativeIo;
}

export const ADDON_PATH = fileURLToPath(new URL('../../dist/native/k6lr_io.node', import.meta.url));

let loaded: { mod?: NativeModule; reason?: string } | undefined;

/** The addon, or why it is not there. */
export function loadNative(): { mod?: NativeModule; reason?: string } {
  if (loaded) return loaded;
  const path = process.env.K6LR_NATIVE_ADDON ?? ADDON_PATH;
  if (!existsSync(path)) {
    loaded = { reason: `${path} is not built (make build builds it with cargo)` };
  } else {
    try {
      loaded = { mod: createRequire(import.meta.url)(path) as NativeModule };
    } catch (e) {
      loaded = { reason: `${path} does not load: ${(e as Error).message.split('\n')[0]} (rebuild it: make build)` };
    }
  }
  return loaded;
}
