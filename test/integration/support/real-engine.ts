// The real inference engine of the real-engine tests: llama-cpp-python's OpenAI-compatible
// server (installed by `make deps-real-engine`: scripts/real-engine/install.sh) serving
// SmolLM2-135M-Instruct Q4_1 on CPU, on a free loopback port, bounded in time and killed after.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const REAL_PYTHON = 'build/venv-llama/bin/python';
export const REAL_MODEL = 'build/models/SmolLM2-135M-Instruct.Q4_1.gguf';

export interface RealEngine {
  url: string;
  /** The model id the server lists (its --model path). */
  model: string;
  log: () => string;
  stop: () => Promise<void>;
}

export interface RealEngineOptions {
  /** --interrupt_requests: True cuts a stream when the next request comes in (the server's default). */
  interrupt?: boolean;
  /** --cache True --cache_type ram: keep the states of several prompts, not only the last. */
  ramCache?: boolean;
}

/** A free loopback port (a tiny window before the server binds it is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A server process with its output kept, and a stop that ends it (SIGTERM, SIGKILL after 10 s). */
export function spawnServer(command: string, args: string[]): { proc: ChildProcess; log: () => string; stop: () => Promise<void> } {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  return { proc, log: () => out, stop };
}

export async function startRealEngine(o: RealEngineOptions = {}, limitMs = 60_000): Promise<RealEngine> {
  if (!existsSync(REAL_PYTHON) || !existsSync(REAL_MODEL)) {
    throw new Error(`the real engine is not installed (${REAL_PYTHON}, ${REAL_MODEL}): run make deps-real-engine`);
  }
  const port = await freePort();
  const args = ['-m', 'llama_cpp.server', '--model', REAL_MODEL, '--host', '127.0.0.1', '--port', String(port), '--n_ctx', '8192', '--n_threads', '2',
    '--interrupt_requests', o.interrupt ? 'True' : 'False', ...(o.ramCache ? ['--cache', 'True', '--cache_type', 'ram'] : [])];
  const { proc, log, stop } = spawnServer(REAL_PYTHON, args);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`llama_cpp.server exited with ${proc.exitCode}:\n${log().slice(-3000)}`);
    try {
      const res = await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        const models = (await res.json()) as { data: Array<{ id: string }> };
        return { url, model: models.data[0].id, log, stop };
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`llama_cpp.server did not answer /v1/models within ${limitMs / 1000} s:\n${log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A raw streamed chat request: every SSE data payload, in order, and the HTTP status. */
export async function rawStream(url: string, body: Record<string, unknown>, limitMs = 60_000): Promise<{ status: number; events: string[] }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true }), signal: AbortSignal.timeout(limitMs),
  });
  const text = await res.text();
  const events = text.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
  return { status: res.status, events };
}
