// llama.cpp's own llama-server (built by `make deps-llama-server`:
// scripts/real-engine/install-llama-server.sh) serving SmolLM2-135M-Instruct Q4_1 on CPU with
// several parallel slots and continuous batching, /metrics on, on a free loopback port, bounded
// in time and killed after.

import { existsSync, readFileSync } from 'node:fs';
import { freePort, REAL_MODEL, spawnServer, type RealEngine } from './real-engine';

export const LLAMA_SERVER = 'build/llama-server/llama-server';

export interface LlamaServer extends RealEngine {
  /** The native-build tier of the binary (BUILD-INFO beside it). */
  tier: string;
}

export async function startLlamaServer(o: { slots?: number; ctx?: number } = {}, limitMs = 90_000): Promise<LlamaServer> {
  if (!existsSync(LLAMA_SERVER) || !existsSync(REAL_MODEL)) {
    throw new Error(`llama-server is not installed (${LLAMA_SERVER}, ${REAL_MODEL}): run make deps-llama-server`);
  }
  const tier = readFileSync(`${LLAMA_SERVER.replace(/[^/]+$/, '')}BUILD-INFO`, 'utf8').match(/^tier=(.*)$/m)?.[1] ?? 'unknown';
  const port = await freePort();
  // -c is shared by the slots (8192 / 4 = 2048 tokens each); continuous batching is its default (-cb).
  // Its HTTP server has slots + 4 threads and an idle keep-alive connection holds one: with more
  // requests in flight than that, the rest wait for a thread (timeouts), so it gets 32.
  const args = ['-m', REAL_MODEL, '--host', '127.0.0.1', '--port', String(port), '-c', String(o.ctx ?? 8192), '-np', String(o.slots ?? 4),
    '-t', '2', '-cb', '--metrics', '--threads-http', '32'];
  const { proc, log, stop } = spawnServer(LLAMA_SERVER, args);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`llama-server exited (${proc.exitCode ?? proc.signalCode}):\n${log().slice(-3000)}`);
    try {
      // 503 while the model loads, 200 when it serves.
      const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (health.ok) {
        const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
        return { url, model: models.data[0].id, tier, log, stop };
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`llama-server did not answer /health within ${limitMs / 1000} s:\n${log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
