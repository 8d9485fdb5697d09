// A complete scenario on the scripting API (docs/scripting.md walks through it):
//   npx llm-replay run examples/scenario.ts --base-url http://127.0.0.1:8000
// Phase 1 is an open loop (requests at a constant rate, whatever the responses do), phase 2 a
// closed loop (users that send, read the answer, think, and ask again). Custom metrics count
// long answers and time the user's think-to-answer cycle; thresholds fail the run (exit 99)
// when latency or errors are out of bounds; handleSummary adds a line and writes a JSON file.
//
// Knobs for quick trials, from the environment: SCENARIO_RATE (req/s), SCENARIO_SECONDS,
// SCENARIO_VUS, SCENARIO_TTFT_P99_MS (the TTFT threshold).

import { defineScenario, type LlmRequest } from 'k6-llm-replay';

const rate = Number(process.env.SCENARIO_RATE ?? 10);
const seconds = Number(process.env.SCENARIO_SECONDS ?? 2);
const vus = Number(process.env.SCENARIO_VUS ?? 2);
const ttftP99Ms = Number(process.env.SCENARIO_TTFT_P99_MS ?? 5000);

const topics = ['caching', 'batching', 'scheduling', 'quantization'];

/** The open loop's request for arrival i: prompts of two sizes, tagged for the custom counter. */
function shortOrLong(i: number): LlmRequest {
  const long = i % 5 === 0;
  return {
    prompt: `Explain ${topics[i % topics.length]} in inference servers. `.repeat(long ? 40 : 4),
    maxTokens: long ? 48 : 16,
    ignoreEos: true,
  };
}

export default defineScenario({
  options: {
    name: 'example',
    thresholds: {
      ttft: [`p(99)<${ttftP99Ms}`],
      'llm_requests{outcome:error}': ['count<1'],
      long_answers: ['count>0'],
      think_cycle: ['avg<10000'],
    },
  },

  async run(ctx) {
    const longAnswers = ctx.metrics.counter('long_answers');
    const answerTokens = ctx.metrics.trend('answer_tokens');
    const thinkCycle = ctx.metrics.trend('think_cycle', true);

    // Phase 1: open loop, `rate` requests per second for `seconds`.
    const open = await ctx.openLoop({ rate, durationMs: seconds * 1000 }, (a) => shortOrLong(a.index), {
      onResult: (_a, r) => {
        if (!r.ok) return;
        answerTokens.add(r.outputTokens, { phase: 'open' });
        if (r.outputTokens >= 32) longAnswers.add(1);
      },
    });
    ctx.log(`open loop: ${open.sent} sent`);

    // Phase 2: closed loop, `vus` users with three turns each and a short think time.
    await ctx.closedLoop({ vus, iterations: 3, durationMs: 30_000 }, async ({ vu, iteration }) => {
      const started = ctx.elapsedMs();
      const r = await ctx.chat([
        { role: 'system', content: 'You are a concise assistant.' },
        { role: 'user', content: `User ${vu}, question ${iteration}: what limits decode throughput?` },
      ], { maxTokens: 24, ignoreEos: true });
      if (r.ok) answerTokens.add(r.outputTokens, { phase: 'closed' });
      await ctx.sleep(50);
      thinkCycle.add(ctx.elapsedMs() - started);
    });
  },

  handleSummary(data) {
    const ttft = data.result.latencyMs.ttft;
    const line = `example: ${data.result.requests.succeeded} ok, TTFT p50 ${ttft ? ttft.p50.toFixed(1) : 'n/a'} ms\n`;
    return {
      stdout: data.text + line,
      [process.env.SCENARIO_SUMMARY_FILE ?? 'results/example-summary.json']: {
        succeeded: data.result.requests.succeeded,
        longAnswers: data.metrics.long_answers?.values.count ?? 0,
        thresholds: data.metrics.ttft?.thresholds ?? data.metrics.llm_ttft?.thresholds ?? {},
      },
    };
  },
});
