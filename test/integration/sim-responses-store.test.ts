// The simulator's Responses store: `store: true` keeps a response, `previous_response_id` puts
// its conversation (input, then the answer) before the new input; the prompt the engine sees is
// then the whole conversation, as if the client had sent it, and it hits the prefix cache.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from './support/processes';

interface ResponsesAnswer {
  id: string;
  output: { type: string; content?: { text: string }[] }[];
  usage: { input_tokens: number; output_tokens: number; input_tokens_details: { cached_tokens: number } };
  error?: { message: string; param: string | null; code: number };
}

const words = (n: number, w: string) => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');

describe('simulator: stored responses and previous_response_id', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim(['--preset', 'fast', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  async function post(body: Record<string, unknown>): Promise<{ status: number; json: ResponsesAnswer }> {
    const r = await fetch(`${sim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sim-model', max_output_tokens: 6, ...body }) });
    return { status: r.status, json: (await r.json()) as ResponsesAnswer };
  }
  const answerText = (a: ResponsesAnswer) => a.output.filter((o) => o.type === 'message').map((o) => o.content![0].text).join('');

  it('continues a stored conversation with the same prompt as sending it whole, and hits the cache', async () => {
    const first = words(300, 'a');
    const second = words(20, 'b');
    const r1 = await post({ input: first, store: true });
    expect(r1.status).toBe(200);
    expect(r1.json.usage.output_tokens).toBe(6);
    const r2 = await post({ input: second, previous_response_id: r1.json.id, store: true });
    expect(r2.status, JSON.stringify(r2.json)).toBe(200);
    const whole = await post({ input: [{ role: 'user', content: first }, { role: 'assistant', content: answerText(r1.json) }, { role: 'user', content: second }] });
    expect(whole.status).toBe(200);
    // The stored turn counts exactly as the client-side conversation does (input_tokens includes
    // the cached ones on Responses).
    expect(r2.json.usage.input_tokens).toBe(whole.json.usage.input_tokens);
    expect(r2.json.usage.input_tokens).toBeGreaterThan(320);
    // The first turn's prompt is in the prefix cache when the second arrives.
    expect(r2.json.usage.input_tokens_details.cached_tokens).toBeGreaterThan(0);
    // A chain: the third turn carries both before it.
    const r3 = await post({ input: 'c0 c1', previous_response_id: r2.json.id });
    expect(r3.status).toBe(200);
    expect(r3.json.usage.input_tokens).toBeGreaterThan(r2.json.usage.input_tokens + 6);
  });

  it('answers 404 naming previous_response_id for a response that is not stored', async () => {
    const unstored = await post({ input: 'x y z' });
    expect(unstored.status).toBe(200);
    for (const id of [unstored.json.id, 'resp_nonexistent']) {
      const r = await post({ input: 'more', previous_response_id: id });
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.json)).toContain(id);
      expect(JSON.stringify(r.json)).toContain('previous_response_id');
    }
  });
});
