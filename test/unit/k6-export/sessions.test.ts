// dist/k6/sessions.js (closed-loop sessions for users' own stock k6) on the k6 stand-in: its
// options, the requests each session sends (ids, bodies, prompt lengths, order in virtual time,
// sub-agents beside their parent), the metric names and the summary. Built by the real build
// script first; k6 itself is never run here.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadK6Script, type HttpCall, type StandinResponse, type StandinRun } from '../../support/k6-standin';
import { COUNTERS, SESSION_COUNTERS, SESSION_TRENDS, TRENDS } from '../../../src/metrics/names';
import { PROMPT_LENGTH_METRICS } from '../../../src/metrics/prompt-length';
import { readTrace } from '../../../src/trace/read';
import { planSessions, type SessionGroup } from '../../../src/sessions/plan';
import { SessionDraw } from '../../../src/sessions/draw';
import { DEBUG_PREFIX } from '../../../src/sessions/debug';
import { WordsTokenizer } from '../../../src/sim/tokenizer';

const ROOT = new URL('../../..', import.meta.url).pathname;
const BUNDLE = `${ROOT}dist/k6/sessions.js`;
const EXCERPT = 'traces/sessions/kvcache-tester-0282-excerpt.json';
const DIR_FILES = ['traces/sessions/kvcache-tester-0282-excerpt.json', 'traces/sessions/hand-built-subagent.json', 'traces/sessions/trie-small.jsonl'];
const BASE_URL = 'http://127.0.0.1:9';
const API_KEY = 'sk-standin-secret';
const E2E_MS = 30;

const words = new WordsTokenizer();

function groupsOf(files: string[]): SessionGroup[] {
  return files.flatMap((f, i) => planSessions(readTrace(readFileSync(`${ROOT}${f}`, 'utf8'), f), i, { join: 'recorded', defaultBlockSize: 64 }));
}

/** Prompt tokens of a chat body: every message's words (accumulating sessions send the history). */
function promptTokens(body: { messages: Array<{ content: string }> }): number {
  return body.messages.reduce((a, m) => a + words.countTokens(m.content), 0);
}

/** An OpenAI-style answer computed from the request; E2E_MS of k6 timings each. */
function completion(call: HttpCall): StandinResponse {
  const body = JSON.parse(call.body ?? '{}') as { messages: Array<{ content: string }>; max_tokens: number };
  const prompt = promptTokens(body);
  return {
    status: 200,
    body: JSON.stringify({
      choices: [{ message: { content: 'ok fine' }, finish_reason: 'length' }],
      usage: { prompt_tokens: prompt, completion_tokens: body.max_tokens ?? 16, prompt_tokens_details: { cached_tokens: Math.floor(prompt / 2) } },
    }),
    timings: { sending: 1, waiting: E2E_MS - 2, receiving: 1 },
  };
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TRACES: EXCERPT, PWD: ROOT, BASE_URL, MODEL: 'standin-model', RUN_ID: 'run1', OPENAI_API_KEY: API_KEY, TIME_SCALE: '0.1',
    SUMMARY_JSON: 'results/k6-sessions.json', SCRAPE: 'false', ...extra,
  };
}

const ID = /^run1-s(\d+)-a(\d+)-t(\d+)$/;
const posts = (run: StandinRun) => run.calls.filter((c) => c.method === 'POST');

describe('dist/k6/sessions.js on the k6 stand-in: recorded start', () => {
  const g = groupsOf([EXCERPT])[0];
  let run: StandinRun;
  let setupData: unknown;

  beforeAll(async () => {
    execFileSync('node', ['scripts/bundle.mjs'], { cwd: ROOT, stdio: 'pipe' });
    run = await loadK6Script(BUNDLE, { env: env(), respond: completion, scenario: 'sessions' });
    const vu = run.newVu();
    setupData = vu.setup();
    await vu.iterate(0, setupData);
  }, 60_000);

  it('exports one lane per session (shared-iterations), the outcome submetrics and connection reuse', async () => {
    const options = run.newVu().exports.options!;
    expect(options.scenarios.sessions).toMatchObject({ executor: 'shared-iterations', vus: 1, iterations: 1 });
    expect(options.scenarios.scrape).toBeUndefined();
    expect(Object.keys(options.thresholds)).toContain(`${SESSION_COUNTERS.sessions}{outcome:ok}`);
    expect(options.noConnectionReuse).toBe(false);
    expect(options.tags).toMatchObject({ run: 'run1', trace: 'kvcache-tester-0282-excerpt.json', endpoint: 'chat' });
  });

  it('sends every turn of every agent once: ids, headers, non-streamed bodies, recorded prompt and output lengths', () => {
    const p = posts(run);
    expect(p).toHaveLength(g.requests);
    const seen = new Set<string>();
    for (const c of p) {
      const m = ID.exec(c.headers['X-Request-Id'])!;
      expect(m, c.headers['X-Request-Id']).not.toBeNull();
      const [a, i] = [Number(m[2]), Number(m[3])];
      const turn = g.agents[a].turns[i];
      seen.add(`${a}/${i}`);
      expect(c.url).toBe(`${BASE_URL}/v1/chat/completions`);
      expect(c.headers.Authorization).toBe(`Bearer ${API_KEY}`);
      expect(c.params.responseType).toBe('text');
      const body = JSON.parse(c.body!);
      expect(body).toMatchObject({ model: 'standin-model', stream: false, max_tokens: turn.outputTokens, ignore_eos: true });
      expect(promptTokens(body)).toBe(turn.inputTokens);
    }
    expect(seen.size).toBe(g.requests);
  });

  it('closed loop in virtual time: each turn after the previous response, sub-agents beside their parent', () => {
    const at = new Map<string, number>();
    for (const c of posts(run)) {
      const m = ID.exec(c.headers['X-Request-Id'])!;
      at.set(`${m[2]}/${m[3]}`, c.atMs);
    }
    g.agents.forEach((agent, a) => {
      for (let i = 1; i < agent.turns.length; i++) expect(at.get(`${a}/${i}`)! - at.get(`${a}/${i - 1}`)!).toBeGreaterThanOrEqual(E2E_MS);
    });
    // agent_001 and agent_002 overlap; the parent's third turn waits for both.
    const end = (a: number) => at.get(`${a}/${g.agents[a].turns.length - 1}`)! + E2E_MS;
    expect(at.get('1/0')!).toBeLessThan(end(2));
    expect(at.get('2/0')!).toBeLessThan(end(1));
    expect(at.get('0/2')!).toBeGreaterThanOrEqual(Math.max(end(1), end(2)));
    // The session starts at LEAD_MS (500) after the scenario start.
    expect(at.get('0/0')! - run.host.scenario.startTimeMs).toBe(500);
  });

  it('records the request and session metric names, request ids in metadata', () => {
    const known = new Set<string>([...Object.values(TRENDS), ...Object.values(COUNTERS), ...Object.values(SESSION_TRENDS), ...Object.values(SESSION_COUNTERS), ...Object.values(PROMPT_LENGTH_METRICS)]);
    const names = new Set(run.samples.map((s) => s.metric));
    for (const n of names) expect(known.has(n), n).toBe(true);
    for (const n of [COUNTERS.sent, TRENDS.e2e, SESSION_COUNTERS.started, SESSION_COUNTERS.sessions, SESSION_COUNTERS.eligibleTokens,
      SESSION_TRENDS.latency, SESSION_TRENDS.cacheHitRate, SESSION_TRENDS.eligibleHitRate, SESSION_TRENDS.turnCacheHitRate]) {
      expect(names.has(n), n).toBe(true);
    }
    // Not streamed: no first tokens.
    for (const n of [TRENDS.ttft, SESSION_TRENDS.ttft, SESSION_TRENDS.ttfat]) expect(names.has(n), n).toBe(false);
    for (const s of run.samples.filter((x) => x.metric === COUNTERS.sent)) expect(String(s.metadata.request_id)).toMatch(ID);
    expect(run.samples.find((s) => s.metric === SESSION_COUNTERS.sessions)!.tags.outcome).toBe('ok');
    for (const s of run.samples.filter((x) => x.metric === SESSION_TRENDS.turnCacheHitRate)) expect(s.value).toBeCloseTo(50, 0);
  });

  it('handleSummary prints the sessions tables and writes the result JSON', () => {
    const out = run.handleSummary(setupData);
    expect(out.stdout).toContain('Serving Benchmark Result');
    expect(out.stdout).toContain('Per-session metrics');
    expect(out.stdout).toContain('TTFT, TTFAT, decode TPS and the workload table are not measured');
    const r = JSON.parse(out['results/k6-sessions.json']);
    expect(r.sessions).toMatchObject({ planned: 1, started: 1, ok: 1, failed: 0, aborted: 0 });
    expect(r.serving.run).toMatchObject({ platform: 'k6-http', plannedRequests: g.requests });
    expect(r.serving.requests).toMatchObject({ sent: g.requests, succeeded: g.requests });
    expect(r.perSession.latencyS.count).toBe(1);
    expect(run.host.logs.some((l) => l.text.includes(API_KEY))).toBe(false);
  });
});

describe('dist/k6/sessions.js users mode and options', () => {
  it('USERS + SESSIONS: iteration k replays draw k of the seeded shuffle (a directory through its index.txt)', async () => {
    const groups = groupsOf(DIR_FILES);
    const run = await loadK6Script(BUNDLE, { env: env({ TRACES: 'traces/sessions/', USERS: '2', SESSIONS: '5', SEED: '7', TIME_SCALE: '0.01' }), respond: completion });
    const vus = [run.newVu(), run.newVu()];
    expect(vus[0].exports.options!.scenarios.sessions).toMatchObject({ executor: 'shared-iterations', vus: 2, iterations: 5 });
    const data = vus[0].setup();
    for (let k = 0; k < 6; k++) await vus[k % 2].iterate(k, data); // the 6th is past SESSIONS: sends nothing
    const draw = new SessionDraw(groups.length, 7);
    const perDraw = new Map<number, number>();
    for (const c of posts(run)) {
      const d = Number(ID.exec(c.headers['X-Request-Id'])![1]);
      expect(c.iteration).toBe(d);
      perDraw.set(d, (perDraw.get(d) ?? 0) + 1);
    }
    expect([...perDraw.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    for (const [d, n] of perDraw) expect(n, `draw ${d}`).toBe(groups[draw.group(d)].requests);
    const r = JSON.parse(run.handleSummary(data)['results/k6-sessions.json']);
    expect(r.sessions).toMatchObject({ planned: 5, started: 5, ok: 5 });
  });

  it('DURATION gives constant-vus; CONN_REUSE=false turns off reuse; bad options name the -e variable', async () => {
    const opts = (await loadK6Script(BUNDLE, { env: env({ USERS: '3', DURATION: '2m', CONN_REUSE: 'false' }), respond: completion })).newVu().exports.options!;
    expect(opts.scenarios.sessions).toMatchObject({ executor: 'constant-vus', vus: 3, duration: '120s' });
    expect(opts.noConnectionReuse).toBe(true);
    const bad = await loadK6Script(BUNDLE, { env: env({ SESSIONS: '3' }), respond: completion });
    expect(() => bad.newVu()).toThrow(/-e SESSIONS=3: SESSIONS and DURATION need USERS/);
  });

  it('failed requests count by reason; DEBUG_BODIES lines redact the API key', async () => {
    const respond = (c: HttpCall): StandinResponse => (/-a0-t1$/.test(c.headers['X-Request-Id']) ? { status: 503, body: '{"error":{"message":"busy"}}' } : completion(c));
    const run = await loadK6Script(BUNDLE, { env: env({ DEBUG_BODIES: 'true' }), respond });
    const vu = run.newVu();
    const data = vu.setup();
    await vu.iterate(0, data);
    const r = JSON.parse(run.handleSummary(data)['results/k6-sessions.json']);
    expect(r.serving.errors).toEqual({ http_503: 1 });
    expect(r.sessions).toMatchObject({ started: 1, failed: 1 });
    const lines = run.host.logs.filter((l) => l.text.startsWith(DEBUG_PREFIX)).map((l) => JSON.parse(l.text.slice(DEBUG_PREFIX.length)));
    expect(lines).toHaveLength(posts(run).length);
    for (const l of lines) expect(l.headers.Authorization).toBe('[redacted]');
    expect(run.host.logs.some((l) => l.text.includes(API_KEY))).toBe(false);
  });
});
