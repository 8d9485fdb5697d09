// Loading the native I/O core (native/, built by `make build` into dist/native/k6lr_io.node).
// Loaded at most once per thread; when it is missing or does not load, the reason says how to
// get it and the engine uses the JS transport.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Exchange } from '../openai/outcome';

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
 * A finished request as the core hands it back: an Exchange (src/openai/outcome.ts) with its
 * send on CLOCK_MONOTONIC (ns) instead of the Unix clock.
 */
export interface NativeOutcome extends Omit<Exchange, 'startUnixMs' | 'times'> {
  id: number;
  /** CLOCK_MONOTONIC ns of the send (or of the connection setup it waited for). */
  startNs: number;
  /** Each SSE event's receive time, ms since the send. */
  timesMs: number[];
  /** The payloads of the events at `kept` (more than a plain token, or all with keepEvents). */
  data: string[];
  kept: number[];
  kinds: number[];
  invalid: string[];
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
  NativeIo: new (o: NativeIoOptions, onResults: (batch: NativeOutcome[]) => void) => NativeIo;
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
