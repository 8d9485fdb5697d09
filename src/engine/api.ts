/**
 * The scripting API of k6-llm-replay: scenarios are TypeScript modules that import it as
 * `import { defineScenario } from 'k6-llm-replay'` and run with `llm-replay run FILE`.
 *
 * ```ts
 * import { defineScenario } from 'k6-llm-replay';
 *
 * export default defineScenario({
 *   options: { thresholds: { ttft: ['p(99)<2000'] } },
 *   async run(ctx) {
 *     await ctx.openLoop({ rate: 5, durationMs: 10_000 }, () => ({ prompt: 'Hello', maxTokens: 32 }));
 *   },
 * });
 * ```
 *
 * - Requests: `ctx.send`, `ctx.chat`, `ctx.completion` give an {@link LlmResult} (TTFT, ITL
 *   gaps, E2E, tokens, ok/reason), recorded into the standard llm_* metrics and the table.
 * - Schedules: `ctx.openLoop` (offsets or a constant rate; sent on time whatever the responses
 *   do), `ctx.closedLoop` (VUs looping a function), `ctx.sleep`, `ctx.waitUntil`.
 * - Custom metrics: `ctx.metrics.counter|trend|gauge(name)`, then `.add(value, tags)`.
 * - Thresholds: `options.thresholds`, as k6 (exit code 99 when one fails).
 * - Summary hook: `handleSummary(data)` returns text and files, as k6.
 *
 * docs/scripting.md has the guide and examples/scenario.ts a complete scenario.
 * @packageDocumentation
 */

export { defineScenario } from './scripting/scenario';
export type { Scenario, ScenarioOptions, SummaryData, SummaryOutput } from './scripting/scenario';
export type {
  ScenarioContext, RequestOptions, OpenLoopOptions, OpenLoopReport, ClosedLoopReport, VuIteration,
} from './scripting/context';
export type { OpenSchedule, ClosedSchedule, Arrival } from './scripting/schedule';
export type { LlmRequest, LlmResult, ChatMessage, Target, Endpoint } from './scripting/request';
export type { Metrics, Counter, Trend, Gauge, Tags } from './scripting/metrics';
export type { ThresholdSpec } from './thresholds';
