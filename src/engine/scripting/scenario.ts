// A scenario module: what a user's file exports (defineScenario({...}) as default, or k6-style
// `export default async function (ctx)` with `options` and `handleSummary` beside it), and its
// normalised, checked form.

import type { K6SummaryData, ReplayResult } from '../../metrics/summary';
import type { ThresholdSpec } from '../thresholds';
import type { ScenarioContext } from './context';

export interface ScenarioOptions {
  /** k6 thresholds: metric (short names such as `ttft` work) -> expressions, e.g. `{ ttft: ['p(99)<2000'] }`. */
  thresholds?: Record<string, ThresholdSpec | ThresholdSpec[]>;
  /** Shown in the summary JSON (`run.trace`) and as the `scenario` tag; default: the file name. */
  name?: string;
}

/** What handleSummary gets: k6's handleSummary data plus this project's result and texts. */
export interface SummaryData extends K6SummaryData {
  /** Metrics by name and submetric key, each with its threshold results as k6 gives them. */
  metrics: Record<string, { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> } | undefined>;
  state: { testRunDurationMs: number; isInterrupted: boolean };
  /** The summary JSON (--summary-json) content: counts, throughput, latency stats. */
  result: ReplayResult;
  /** The default end-of-run text: table, custom metrics and thresholds. */
  text: string;
}

/**
 * handleSummary's return: `stdout` (replaces the default text), `stderr`, or a file path ->
 * its content (objects are written as JSON). As k6.
 */
export type SummaryOutput = Record<string, string | object>;

export interface Scenario {
  options?: ScenarioOptions;
  /** The load: send requests, run loops, record custom metrics. The run ends when it resolves. */
  run(ctx: ScenarioContext): Promise<void> | void;
  /** Called once at the end with the summary data; returns text and files to write. */
  handleSummary?(data: SummaryData): SummaryOutput | Promise<SummaryOutput>;
}

/** Declares a scenario with its types checked: `export default defineScenario({ options, run, handleSummary })`. */
export function defineScenario<S extends Scenario>(scenario: S): S {
  return scenario;
}

export class ScenarioModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioModuleError';
  }
}

/** The scenario of a loaded module: a defineScenario() default export, or k6-style exports. */
export function scenarioOf(mod: Record<string, unknown>, file: string): Scenario {
  const def = mod.default;
  if (typeof def === 'function') {
    const handleSummary = mod.handleSummary;
    if (handleSummary !== undefined && typeof handleSummary !== 'function') throw new ScenarioModuleError(`${file}: handleSummary must be a function`);
    return checked({ options: mod.options as ScenarioOptions | undefined, run: def as Scenario['run'], handleSummary: handleSummary as Scenario['handleSummary'] }, file);
  }
  if (def && typeof def === 'object') return checked(def as Scenario, file);
  throw new ScenarioModuleError(`${file}: no scenario; end the file with \`export default defineScenario({ run: async (ctx) => { ... } })\` (import { defineScenario } from 'k6-llm-replay')`);
}

function checked(s: Scenario, file: string): Scenario {
  if (typeof s.run !== 'function') throw new ScenarioModuleError(`${file}: the scenario has no run(ctx) function`);
  if (s.handleSummary !== undefined && typeof s.handleSummary !== 'function') throw new ScenarioModuleError(`${file}: handleSummary must be a function`);
  if (s.options !== undefined && (typeof s.options !== 'object' || s.options === null)) throw new ScenarioModuleError(`${file}: options must be an object`);
  const t = s.options?.thresholds;
  if (t !== undefined && (typeof t !== 'object' || t === null || Array.isArray(t))) {
    throw new ScenarioModuleError(`${file}: options.thresholds must map metric names to expressions, e.g. { ttft: ['p(99)<2000'] }`);
  }
  return s;
}
