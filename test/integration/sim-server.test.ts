// The simulator as a server: endpoints, stream shape, usage, request ids, ground truth,
// validation errors, keep-alive, disconnects, bad clients, graceful shutdown.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, scrape, wordsPrompt } from '../../src/sim/client.js';
import { decodeTokenTimes } from '../../src/sim/ground-truth.js';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file.js';
import { parsePrometheusText, sampleValue } from '../../src/sim/prom-parse.js';
import { REPO_ROOT, SIM_MAIN, type SimProcess, spawnSim } from '../../src/sim/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'sim-server-'));
const gtPath = join(dir, 'gt.jsonl');
let sim: SimProcess;
let base: string;

beforeAll(async () => {
  sim = await spawnSim(['--preset', 'fast', '--ground-truth', gtPath, '--chat-template-tokens', '3', '--quiet']);
  base = sim.url;
});
afterAll(async () => {
  await sim?.stop();
});

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'any-name',
  messages: [{ role: 'user', content }],
  max_tokens: 5,
  stream: true,
  stream_options: { include_usage: true },
  ...extra,
});

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, limitMs = 5000): Promise<T> {
  const end = Date.now() + limitMs;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function metricsValue(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sampleValue(parsePrometheusText(await scrape(base)), name, labels);
}

describe('simulator server', () => {
  it('listens on loopback and answers /health and /v1/models', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const models = (await (await fetch(`${base}/v1/models`)).json()) as { object: string; data: unknown[] };
    expect(models.object).toBe('list');
    expect(models.data[0]).toMatchObject({ id: 'sim-model', object: 'model', max_model_len: 32768 });
  });

  it('streams a chat completion like vLLM: role chunk, one chunk per token, finish, usage, [DONE]', async () => {
    const r = await post(`${base}/v1/chat/completions`, chat('one two three four', { max_tokens: 6 }), { 'X-Request-Id': 'chat-1' });
    expect(r.status).toBe(200);
    expect(r.requestId).toBe('chat-1');
    expect(r.error).toBeUndefined();
    expect(r.doneSeen).toBe(true);
    const chunks = r.events.filter((e) => e.json).map((e) => e.json);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    for (const c of chunks) {
      expect(c.id).toBe('chatcmpl-chat-1');
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('any-name');
      expect(typeof c.created).toBe('number');
    }
    const tokenChunks = chunks.slice(1, -1);
    expect(tokenChunks).toHaveLength(6);
    expect(r.tokenMs).toHaveLength(6);
    tokenChunks.forEach((c, i) => {
      expect(c.choices[0].delta.content).toMatch(/^ \w+$/);
      expect(c.choices[0].finish_reason).toBe(i === 5 ? 'length' : null);
    });
    const usage = chunks[chunks.length - 1];
    expect(usage.choices).toEqual([]);
    // 4 words + 3 chat-template tokens.
    expect(usage.usage).toEqual({ prompt_tokens: 7, completion_tokens: 6, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0 } });
    expect(r.events[r.events.length - 1].data).toBe('[DONE]');
  });

  it('records the request in the ground truth on the client clock, exactly decodable', async () => {
    const r = await post(`${base}/v1/chat/completions`, chat(wordsPrompt(40, 'gt'), { max_tokens: 8 }), { 'X-Request-Id': 'gt-1' });
    expect(r.tokenMs).toHaveLength(8);
    const rec = await waitFor(async () => (existsSync(gtPath) ? readGroundTruthFile(gtPath).find((x) => x.id === 'gt-1') : undefined), 'gt-1 record');
    expect(rec).toMatchObject({ endpoint: '/v1/chat/completions', model: 'any-name', status: 200, fault: null, promptTokens: 43, completionTokens: 8, maxTokens: 8, finishReason: 'length', stream: true });
    const times = decodeTokenTimes(rec);
    expect(times).toHaveLength(8);
    expect(rec.tokenMs).toHaveLength(7);
    expect(rec.lateUs).toHaveLength(8);
    expect(times[0]).toBe(rec.firstTokenMs);
    // Causality on one clock: the client sent before the server saw it, and read each token after it was written.
    expect(r.sendMs).toBeLessThanOrEqual(rec.arrivalMs);
    expect(rec.arrivalMs).toBeLessThanOrEqual(rec.queueExitMs!);
    expect(rec.queueExitMs!).toBeLessThanOrEqual(rec.firstTokenMs!);
    times.forEach((t, i) => expect(r.tokenMs[i]).toBeGreaterThanOrEqual(t - 0.001));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    expect(rec.finishMs).toBeGreaterThanOrEqual(times[7]);
    expect(r.endMs).toBeGreaterThanOrEqual(rec.finishMs - 0.001);
  });

  it('generates an id when none is sent, and echoes it', async () => {
    const r = await post(`${base}/v1/completions`, { prompt: 'a b', max_tokens: 2 });
    expect(r.requestId).toMatch(/^sim-/);
    expect(JSON.parse(r.body!).id).toBe(`cmpl-${r.requestId}`);
  });

  it('serves /v1/completions with text, text[], token ids and token-id lists', async () => {
    const one = await post(`${base}/v1/completions`, { prompt: 'alpha beta gamma', max_tokens: 3, stream: true, stream_options: { include_usage: true } });
    const texts = one.events.filter((e) => e.json?.choices?.length).map((e) => e.json.choices[0]);
    expect(texts).toHaveLength(3);
    expect(one.events[0].json.object).toBe('text_completion');
    expect(texts[2].finish_reason).toBe('length');
    expect(one.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3 });

    const ids = JSON.parse((await post(`${base}/v1/completions`, { prompt: [5, 6, 7, 8, 9], max_tokens: 4 })).body!);
    expect(ids.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(ids.choices[0].text.split(' ').filter(Boolean)).toHaveLength(4);

    const batch = JSON.parse((await post(`${base}/v1/completions`, { prompt: ['a b c', 'd e'], max_tokens: 2 })).body!);
    expect(batch.choices.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    expect(batch.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4 });

    const lists = await post(`${base}/v1/completions`, { prompt: [[1, 2, 3], [4, 5, 6, 7]], max_tokens: 3, stream: true });
    const byChoice = [0, 0];
    for (const e of lists.events) if (e.json?.choices?.[0]) byChoice[e.json.choices[0].index]++;
    expect(byChoice).toEqual([3, 3]);
    expect(lists.tokenMs).toHaveLength(6);
  });

  it('answers non-streamed chat with the complete JSON and usage', async () => {
    const r = await post(`${base}/v1/chat/completions`, { messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'x y z' }] }], max_completion_tokens: 4 });
    expect(r.status).toBe(200);
    const j = JSON.parse(r.body!);
    expect(j.object).toBe('chat.completion');
    expect(j.model).toBe('sim-model');
    expect(j.choices[0].message.role).toBe('assistant');
    expect(j.choices[0].message.content.split(' ').filter(Boolean)).toHaveLength(4);
    expect(j.choices[0].finish_reason).toBe('length');
    expect(j.usage).toMatchObject({ prompt_tokens: 2 + 3 + 3, completion_tokens: 4 });
  });

  it('defaults max_tokens to --default-max-tokens (16)', async () => {
    const j = JSON.parse((await post(`${base}/v1/completions`, { prompt: 'q' })).body!);
    expect(j.usage.completion_tokens).toBe(16);
  });

  it('x-sim-reasoning and x-sim-tool-call shape the output; both count as token chunks', async () => {
    const r = await post(`${base}/v1/chat/completions`, chat('think', { max_tokens: 6 }), { 'x-sim-reasoning': '2' });
    const deltas = r.events.filter((e) => e.json?.choices?.length).map((e) => e.json.choices[0].delta).slice(1);
    expect(deltas).toHaveLength(6);
    for (const d of deltas.slice(0, 2)) {
      expect(d.reasoning).toMatch(/^ \w+$/);
      expect(d.reasoning_content).toBeUndefined(); // vLLM 0.34 sends `reasoning` only
      expect(d.content).toBeUndefined();
    }
    for (const d of deltas.slice(2)) expect(d.content).toMatch(/^ \w+$/);
    expect(r.tokenMs).toHaveLength(6);

    const t = await post(`${base}/v1/chat/completions`, chat('call', { max_tokens: 5 }), { 'x-sim-tool-call': '1' });
    const calls = t.events.filter((e) => e.json?.choices?.length).map((e) => e.json.choices[0].delta).slice(1);
    expect(calls).toHaveLength(5);
    expect(calls[0].tool_calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'sim_tool' } });
    expect(calls[0].tool_calls[0].id).toBeTruthy();
    const args = calls.map((d) => d.tool_calls[0].function.arguments).join('');
    expect(JSON.parse(args)).toHaveProperty('text');
    expect(t.tokenMs).toHaveLength(5);
    expect(t.usage?.completion_tokens).toBe(5);
  });

  it('rejects bad requests with 400 and an OpenAI-style body naming the field', async () => {
    const cases: [string, unknown, string][] = [
      ['/v1/chat/completions', '{"messages": [', 'body'],
      ['/v1/chat/completions', [1, 2], 'body'],
      ['/v1/chat/completions', { max_tokens: 3 }, 'messages'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
      ['/v1/chat/completions', { messages: [{ content: 'x' }] }, 'messages[0].role'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], max_tokens: 'ten' }, 'max_tokens'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, 'stream_options'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], n: 3 }, 'n'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
      ['/v1/completions', { prompt: [] }, 'prompt'],
      ['/v1/completions', { prompt: [1, -2] }, 'prompt[1]'],
    ];
    for (const [path, body, param] of cases) {
      const r = await post(`${base}${path}`, typeof body === 'string' ? body : JSON.stringify(body));
      expect(r.status, JSON.stringify(body)).toBe(400);
      const e = JSON.parse(r.body!).error;
      expect(e).toMatchObject({ type: 'BadRequestError', code: 400, param });
      expect(e.message).toContain(param === 'body' ? 'JSON' : param.split('[')[0]);
    }
    const bad = await post(`${base}/v1/completions`, { prompt: 'x' }, { 'x-sim-fault': 'explode=1' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body!).error.message).toMatch(/x-sim-fault: unknown fault "explode"/);
  });

  it('answers unknown routes with 404 and wrong methods with 405, as JSON', async () => {
    const a = await fetch(`${base}/v1/nothing`);
    expect(a.status).toBe(404);
    expect(((await a.json()) as { error: { code: number } }).error.code).toBe(404);
    const b = await fetch(`${base}/v1/chat/completions`);
    expect(b.status).toBe(405);
    expect(((await b.json()) as { error: { type: string } }).error.type).toBe("MethodNotAllowedError");
  });

  it('keeps connections alive across requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const once = (): Promise<{ reused: boolean; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(`${base}/v1/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ reused: req.reusedSocket, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ prompt: 'k a', max_tokens: 2, stream: true }));
      });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await once());
    agent.destroy();
    expect(results.map((r) => r.reused)).toEqual([false, true, true]);
    for (const r of results) expect(r.body.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('survives a client that disconnects mid-stream: records an abort and frees its KV', async () => {
    const ac = new AbortController();
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'leaver' },
      body: JSON.stringify(chat(wordsPrompt(200, 'leave'), { max_tokens: 2000 })),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    ac.abort();
    const rec = await waitFor(async () => readGroundTruthFile(gtPath).find((x) => x.id === 'leaver'), 'abort record');
    expect(rec.finishReason).toBe('abort');
    expect(rec.status).toBe(200);
    expect(rec.completionTokens).toBeGreaterThan(0);
    expect(rec.completionTokens).toBeLessThan(2000);
    await waitFor(async () => ((await metricsValue('vllm:num_requests_running')) === 0 ? true : undefined), 'running back to 0');
    expect(await metricsValue('vllm:kv_cache_usage_perc')).toBe(0);
    // Still serving.
    expect((await post(`${base}/v1/completions`, { prompt: 'still here', max_tokens: 1 })).status).toBe(200);
  });

  it('survives garbage on the socket and a body cut short', async () => {
    const garbage = await new Promise<string>((resolve) => {
      const s = connect(sim.port, '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    await new Promise<void>((resolve) => {
      const s = connect(sim.port, '127.0.0.1', () => {
        s.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"prompt":');
        setTimeout(() => s.destroy(), 50);
      });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('prints --help and rejects unknown flags with exit code 2', async () => {
    const run = (args: string[]): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', SIM_MAIN, ...args], { cwd: REPO_ROOT, timeout: 30_000 }, (e, out, err) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
        );
      });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--port', '--preset', '--kv-blocks', '--time-scale', '--fault-rate', '--ground-truth', '--tokenizer']) expect(help.out).toContain(flag);
    const bad = await run(['--kv-blocks', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--kv-blocks');
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM lets in-flight streams finish, flushes the ground truth and exits 0', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sim-stop-'));
    const gt = join(d, 'nested', 'gt.jsonl');
    const s = await spawnSim(['--preset', 'fast', '--ground-truth', gt, '--quiet', '--step-base-ms', '20']);
    const pending = post(`${s.url}/v1/completions`, { prompt: 'slow one', max_tokens: 30, stream: true }, { 'x-request-id': 'inflight' });
    await new Promise((r) => setTimeout(r, 150));
    const code = await s.stop();
    const r = await pending;
    expect(code).toBe(0);
    expect(r.doneSeen).toBe(true);
    const recs = readGroundTruthFile(gt);
    expect(recs.map((x) => x.id)).toEqual(['inflight']);
    expect(recs[0].completionTokens).toBe(30);
  });

  it('aborts what is left after the grace period and still writes every record', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sim-stop2-'));
    const gt = join(d, 'gt.jsonl');
    const s = await spawnSim(['--preset', 'fast', '--ground-truth', gt, '--quiet', '--step-base-ms', '20', '--shutdown-grace-ms', '100']);
    const pending = [1, 2, 3].map((i) => post(`${s.url}/v1/completions`, { prompt: 'long', max_tokens: 5000, stream: true }, { 'x-request-id': `long-${i}` }));
    await new Promise((r) => setTimeout(r, 150));
    expect(await s.stop()).toBe(0);
    const results = await Promise.all(pending);
    for (const r of results) expect(r.doneSeen).toBe(false);
    const recs = readGroundTruthFile(gt);
    expect(recs.map((x) => x.id).sort()).toEqual(['long-1', 'long-2', 'long-3']);
    for (const x of recs) expect(x.finishReason).toBe('abort');
  });
});

describe('stream variants', () => {
  it('--early-role, --separate-finish-chunk and --no-prompt-tokens-details change the stream as documented', async () => {
    const s = await spawnSim(['--preset', 'fast', '--quiet', '--early-role', '--separate-finish-chunk', '--no-prompt-tokens-details', '--step-base-ms', '150']);
    try {
      const r = await post(`${s.url}/v1/chat/completions`, chat('a b c', { max_tokens: 3 }));
      const chunks = r.events.filter((e) => e.json).map((e) => ({ ms: e.ms, j: e.json }));
      expect(chunks[0].j.choices[0].delta).toEqual({ role: 'assistant', content: '' });
      // The role chunk left at scheduling time, a whole step before the first token: it arrives
      // in an earlier network read.
      expect(chunks[0].ms).toBeLessThan(r.tokenMs[0]);
      const finish = chunks[4].j.choices[0];
      expect(finish).toMatchObject({ delta: {}, finish_reason: 'length' });
      expect(chunks[3].j.choices[0].finish_reason).toBeNull();
      expect(r.usage?.prompt_tokens_details).toBeUndefined();
      expect(r.tokenMs).toHaveLength(3);
    } finally {
      await s.stop();
    }
  });
});

describe('launched through npx', () => {
  it('exits (gracefully, ground truth flushed) when the npx wrapper is killed with SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const d = mkdtempSync(join(tmpdir(), 'sim-npx-'));
    const gt = join(d, 'gt.jsonl');
    const npx = spawn('npx', ['tsx', 'src/sim/main.ts', '--port', '0', '--preset', 'fast', '--ground-truth', gt], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npx.stdout!.on('data', (x) => (out += x));
    try {
      const port = await waitFor(async () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1], 'npx sim to listen', 30_000);
      const url = `http://127.0.0.1:${port}`;
      expect((await post(`${url}/v1/completions`, { prompt: 'x', max_tokens: 2 }, { 'x-request-id': 'via-npx' })).status).toBe(200);
      npx.kill('SIGTERM');
      // The server notices its launcher is gone and stops listening.
      await waitFor(async () => ((await fetch(`${url}/health`).then(() => false, () => true)) ? true : undefined), 'the server to stop', 10_000);
      expect(readGroundTruthFile(gt).map((r) => r.id)).toEqual(['via-npx']);
    } finally {
      if (npx.exitCode === null) npx.kill('SIGKILL');
    }
  });
});
