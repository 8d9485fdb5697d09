import { describe, expect, it } from 'vitest';
import { NativeTransport } from '../../../src/engine/native-transport';
import { DEFAULT_TIMEOUTS } from '../../../src/engine/transport';
import type { NativeModule } from '../../../src/engine/native-addon';

/** An addon stand-in that records what the transport tells the core (no I/O happens). */
function recordingAddon(): { mod: NativeModule; reserves: Array<[string, number]> } {
  const reserves: Array<[string, number]> = [];
  const mod: NativeModule = {
    monotonicMs: () => performance.now(),
    NativeIo: class {
      send() {}
      reserve(origin: string, n: number) {
        reserves.push([origin, n]);
      }
      abort() {}
      abortAll() {}
      close() {}
    },
  };
  return { mod, reserves };
}

describe('NativeTransport.reserve', () => {
  it('tells the core when the number due changes or 5 ms passed, not on every turn of the wait', async () => {
    const { mod, reserves } = recordingAddon();
    const t = new NativeTransport(mod, { reuseConnections: true, timeouts: DEFAULT_TIMEOUTS });
    for (let i = 0; i < 1000; i++) t.reserve('http://127.0.0.1:8000/v1/chat/completions', 4);
    expect(reserves).toEqual([['127.0.0.1:8000', 4]]);
    t.reserve('http://127.0.0.1:8000/v1/chat/completions', 5);
    t.reserve('https://example.test/v1/completions', 5);
    expect(reserves.slice(1)).toEqual([['127.0.0.1:8000', 5], ['https://example.test:443', 5]]);
    await new Promise((r) => setTimeout(r, 8));
    t.reserve('http://127.0.0.1:8000/v1/chat/completions', 5);
    expect(reserves).toHaveLength(4);
    t.reserve('not a url', 3);
    expect(reserves).toHaveLength(4);
  });
});
