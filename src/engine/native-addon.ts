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
}

/** A finished request as the core hands it back (times in ms since startMonoMs). */
export interface NativeOutcome {
  id: number;
  status: number;
  /** CLOCK_MONOTONIC ms of the send (or of the connection setup it waited for). */
  startMonoMs: number;
  connectMs: number;
  headersMs: number;
  times: number[];
  data: string[];
  kinds: number[];
  invalid: string[];
  tail: string;
  endMs: number;
  body: string;
  error: string;
  errorKind: string;
  streamed: boolean;
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
