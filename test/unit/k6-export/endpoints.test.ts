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
  const o: BodyOptions = { endpoint: `/v1/${api}`, id: `x${call.iteration}`, model: 'm', created: 1, reasoningTokens: 0, toolCall: false, separateFinishChunk: false, promptTokensDetails: true };
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
        SUMMARY_JSON: 'results/k6-endpoints.json', ...(api === 'rerank' ? { TEMPLATE_TOKENS: '1' } : {}) };
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
