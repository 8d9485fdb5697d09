// Which transport a run uses: --transport native (the default where the addon loads) or js.
// Decided once in the main thread (with a one-line notice when the native core is missing),
// then each thread makes its own transport of that kind.

import { loadNative } from './native-addon';
import { NativeTransport } from './native-transport';
import { Transport, type RequestTransport, type TransportKind, type TransportOptions } from './transport';

/**
 * The kind to run: the one asked for (--transport, else LLM_REPLAY_TRANSPORT), or native when the
 * addon loads (else js, said in `notice`).
 */
export function chooseTransport(flag: string | undefined, notice: (line: string) => void, env: NodeJS.ProcessEnv = process.env): TransportKind {
  const asked = flag ?? (env.LLM_REPLAY_TRANSPORT || undefined);
  if (asked !== undefined && asked !== 'native' && asked !== 'js') throw new Error(`--transport ${asked}: must be native or js`);
  if (asked === 'js') return 'js';
  const { mod, reason } = loadNative();
  if (mod) return 'native';
  if (asked === 'native') throw new Error(`--transport native: ${reason}`);
  notice(`note: using the JS transport: the native I/O core ${reason}`);
  return 'js';
}

export function createTransport(kind: TransportKind | undefined, o: TransportOptions): RequestTransport {
  if (kind === 'native') {
    const { mod, reason } = loadNative();
    if (!mod) throw new Error(`the native transport does not load in this thread: ${reason}`);
    return new NativeTransport(mod, o);
  }
  return new Transport(o);
}
