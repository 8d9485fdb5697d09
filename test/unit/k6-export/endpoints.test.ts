// dist/k6/replay.js with ENDPOINT=messages|responses|embeddings|rerank on the k6 stand-in: each
// request goes to the API's path with the recorded prompt in the API's own field, and the
// summary's tokens come from the API's own usage fields (answers built by the simulator's writers).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadK6Script, type HttpCall, type StandinResponse } from '../../support/k6-standin';
import { WordsTokenizer } from '../../../src/sim/tokenizer';
import { MessagesBodies } from '../../../src/sim/endpoints/messages-sse';
import { ResponsesBodies } from '../../../src/sim/endpoints/responses-sse';
import { embeddingsBody, rerankBody } from '../../../src/sim/endpoints/pooling-body';
import type { BodyOptions } from '../../../src/sim/sse';

const ROOT = new URL('../../..', import.meta.url).pathname;
const BUNDLE = `${ROOT}dist/k6/replay.js`;
const TRACE = 'traces/mooncake-sample.jsonl';
const N = 6;
const words = new WordsTokenizer();

const rows = readFileSync(`${ROOT}${TRACE}`, 'utf8').split('\n').filter((l) => l.trim()).slice(0, N)
  .map((l) => JSON.parse(l) as { input_length: number; output_length: number });

type Api = 'messages' | 'responses' | 'embeddings' | 'rerank';

/** The prompt text each API carries, as the replay sends it. */
function promptOf(api: Api, b: Record<string, unknown>): string {
  if (api === 'messages') return (b.messages as Array<{ content: string }>)[0].content;
  if (api === 'responses' || api === 'embeddings') return b.input as string;
  return `${b.query as string} ${(b.documents as string[])[0]}`;
}

function answer(api: Api, call: HttpCall): StandinResponse {
  const b = JSON.parse(call.body ?? '{}') as Record<string, unknown>;
  const prompt = words.countTokens(promptOf(api, b));
  const max = (b.max_tokens ?? b.max_output_tokens ?? 0) as number;
  const usage = { promptTokens: prompt, completionTokens: max, cachedTokens: 5 };
  const o: BodyOptions = { endpoint: `/v1/${api}`, id: `x${call.iteration}`, model: 'm', created: 1, reasoningTokens: 0, toolCall: false, separateFinishChunk: false, includeUsage: true, promptTokensDetails: true };
  const body = api === 'messages' ? new MessagesBodies(o).fullBody([max], usage)
    : api === 'responses' ? new ResponsesBodies(o).fullBody([max], usage)
      : api === 'embeddings' ? embeddingsBody('x', 'm', 1, 1, prompt) : rerankBody('x', 'm', 1, prompt);
  return { status: 200, body, timings: { sending: 1, waiting: 20, receiving: 3 } };
}

describe('dist/k6/replay.js on every endpoint', () => {
  beforeAll(() => {
    execFileSync('node', ['scripts/bundle.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }, 60_000);

  for (const api of ['messages', 'responses', 'embeddings', 'rerank'] as const) {
    it(`${api}: the API's path and prompt field, tokens from its usage`, async () => {
      const env = { TRACE, PWD: ROOT, BASE_URL: 'http://127.0.0.1:9', MODEL: 'm', MAX_REQUESTS: String(N), RUN_ID: 'e', ENDPOINT: api,
        SUMMARY_JSON: 'results/k6-endpoints.json' };
      const run = await loadK6Script(BUNDLE, { env, respond: (c) => answer(api, c), scenario: 'replay' });
      const vu = run.newVu();
      const data = vu.setup();
      for (let k = 0; k < N; k++) vu.iterate(k, data);
      const posts = run.calls.filter((c) => c.method === 'POST');
      expect(posts).toHaveLength(N);
      for (const [k, c] of posts.entries()) {
        expect(c.url).toBe(`http://127.0.0.1:9/v1/${api}`);
        expect(words.countTokens(promptOf(api, JSON.parse(c.body!))), `request ${k}`).toBe(rows[k].input_length);
      }
      const result = JSON.parse(run.handleSummary(data)['results/k6-endpoints.json']);
      expect(result.requests).toMatchObject({ sent: N, succeeded: N, failed: 0 });
      expect(result.tokens.input).toBe(rows.reduce((s, r) => s + r.input_length, 0));
      expect(result.tokens.output).toBe(api === 'messages' || api === 'responses' ? rows.reduce((s, r) => s + r.output_length, 0) : 0);
    }, 60_000);
  }
});

describe('dist/k6/replay.js on a trace whose rows name their endpoint', () => {
  it('sends each row to its own API and reads its answer that way', async () => {
    const MIXED = 'traces/mixed-endpoints-sample.jsonl';
    const mixed = readFileSync(`${ROOT}${MIXED}`, 'utf8').split('\n').filter((l) => l.trim()).slice(0, 10).map((l) => JSON.parse(l) as { endpoint: string; input_length: number });
    const apiOf = (url: string) => url.slice(url.indexOf('/v1/') + 4) as Api | 'chat/completions' | 'completions';
    const respond = (c: HttpCall): StandinResponse => {
      const api = apiOf(c.url);
      if (api === 'chat/completions' || api === 'completions') {
        const b = JSON.parse(c.body!) as { max_tokens: number; messages?: Array<{ content: string }>; prompt?: string };
        const prompt = words.countTokens(b.messages ? b.messages[0].content : b.prompt!);
        return { status: 200, body: JSON.stringify({ choices: [{ finish_reason: 'length' }], usage: { prompt_tokens: prompt, completion_tokens: b.max_tokens } }) };
      }
      return answer(api, c);
    };
    const env = { TRACE: MIXED, PWD: ROOT, BASE_URL: 'http://127.0.0.1:9', MODEL: 'm', MAX_REQUESTS: '10', RUN_ID: 'mx', SUMMARY_JSON: 'results/k6-mixed.json' };
    const run = await loadK6Script(BUNDLE, { env, respond, scenario: 'replay' });
    const vu = run.newVu();
    const data = vu.setup();
    for (let k = 0; k < 10; k++) vu.iterate(k, data);
    const posts = run.calls.filter((c) => c.method === 'POST');
    const path = (e: string) => (e.startsWith('/') ? e : e === 'chat' ? '/v1/chat/completions' : `/v1/${e}`);
    expect(posts.map((c) => c.url.slice('http://127.0.0.1:9'.length))).toEqual(mixed.map((r) => path(r.endpoint)));
    const result = JSON.parse(run.handleSummary(data)['results/k6-mixed.json']);
    expect(result.requests).toMatchObject({ sent: 10, succeeded: 10, failed: 0 });
    expect(result.tokens.input).toBe(mixed.reduce((s, r) => s + r.input_length, 0));
  }, 60_000);
});
