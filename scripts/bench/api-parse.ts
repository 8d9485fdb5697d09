// Cost of measuring one streamed response per API: a 1000-token stream as each simulator writer
// produces it, folded by measureExchange the way the engine's transport hands it over (chat with
// the kinds its API's classifier gives, so plain token events skip JSON.parse: classify.ts for
// chat, api-kinds.ts for Messages and Responses). Prints µs per response and per event.
// The classification itself runs in the transport as events arrive and is timed apart, beside
// the baseline it replaces: JSON.parse of every event.
// `--quick`: fewer rounds.

import { classifyChunk } from '../../src/openai/classify';
import { classifyApiEvent } from '../../src/openai/api-kinds';
import { measureExchange, type Exchange } from '../../src/openai/outcome';
import type { Endpoint } from '../../src/openai/request';
import { CHUNK } from '../../src/openai/chunk-kinds';
import type { BodyOptions } from '../../src/sim/sse';
import { bodiesFor } from '../../src/sim/endpoints/bodies';
import type { Endpoint as SimPath } from '../../src/sim/validate';

const TOKENS = 1000;
const ROUNDS = process.argv.includes('--quick') ? 200 : 1000;

function events(api: Endpoint): string[] {
  const path = (api === 'chat' ? '/v1/chat/completions' : `/v1/${api}`) as SimPath;
  const o: BodyOptions = { endpoint: path, id: 'b', model: 'm', created: 1, reasoningTokens: 0, toolCall: false, separateFinishChunk: false, includeUsage: true, promptTokensDetails: true };
  const b = bodiesFor('vllm', o);
  let text = b.opening();
  for (let i = 0; i < TOKENS; i++) text += b.tokenChunk(0, i, TOKENS, i === TOKENS - 1, 1);
  text += b.closing({ promptTokens: 100, completionTokens: TOKENS, cachedTokens: 0 }, true);
  return text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
}

function exchange(data: string[], kinds: number[]): Exchange {
  // As the transport keeps them: plain token chunks without their text.
  const kept = data.map((d, i) => (kinds[i] & CHUNK.parseInJs ? d : ''));
  return { status: 200, startUnixMs: 0, connectMs: 0, headersMs: 1, times: data.map((_, i) => i), data: kept, kinds, invalid: [], tail: '', endMs: data.length, body: '', error: '', errorKind: '', streamed: true };
}

console.log(`measureExchange of a ${TOKENS}-token stream, ${ROUNDS} rounds per API`);
for (const api of ['chat', 'messages', 'responses'] as const) {
  const data = events(api);
  const kinds = data.map((d) => (api === 'chat' ? classifyChunk(d) : classifyApiEvent(api, d)));
  const x = exchange(data, kinds);
  const check = measureExchange(x, false, api);
  if (!check.ok || check.outputTokens !== TOKENS) throw new Error(`${api}: ${check.reason} ${check.detail} (${check.outputTokens} tokens)`);
  for (let i = 0; i < 50; i++) measureExchange(x, false, api);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) measureExchange(x, false, api);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / ROUNDS;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) for (const d of data) api === 'chat' ? classifyChunk(d) : classifyApiEvent(api, d);
  const cls = Number(process.hrtime.bigint() - t1) / 1000 / ROUNDS;
  // The baseline the classifier must beat: JSON.parse of every event (what a parser without it does).
  const json = data.filter((d) => d !== '[DONE]');
  let sink = 0;
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) for (const d of json) sink += (JSON.parse(d) as object) ? 1 : 0;
  const parse = Number(process.hrtime.bigint() - t2) / 1000 / ROUNDS;
  if (sink !== ROUNDS * json.length) throw new Error('parse baseline');
  const fast = data.filter((_, i) => !(kinds[i] & CHUNK.parseInJs)).length;
  const perEvent = (v: number) => (v / data.length).toFixed(3);
  console.log(`  ${api.padEnd(10)} ${String(data.length).padStart(5)} events (${fast} without JSON.parse)  classify ${perEvent(cls)} µs/event  ` +
    `JSON.parse every event ${perEvent(parse)} µs/event (${(parse / cls).toFixed(1)}x)  classify + measure ${perEvent(cls + us)} µs/event  (measure ${us.toFixed(0)} µs/response)`);
}
