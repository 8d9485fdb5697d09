// Loads a k6 bundle (dist/k6/*.js) without k6: esbuild swaps its `k6/*` imports for the
// stand-in modules and turns it into CommonJS; each VU then evaluates it in a vm context of
// its own with __ENV, open() and a virtual clock, so init code runs once per VU as in k6.

import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { HttpCall, MetricSample, Phase, Responder, StandinHost } from './host';
import { summaryData, type SummaryData } from './summary';
import { virtualTimers } from './virtual-timers';

const MODULES = join(dirname(fileURLToPath(import.meta.url)), 'modules');
/** The k6 modules the stand-in provides, by import path. */
export const STANDIN_MODULES: Record<string, string> = {
  k6: 'k6.ts', 'k6/http': 'http.ts', 'k6/execution': 'execution.ts', 'k6/data': 'data.ts', 'k6/metrics': 'metrics.ts',
  'k6/timers': 'timers.ts',
};

const standinPlugin: Plugin = {
  name: 'k6-standin',
  setup(b) {
    b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => {
      const file = STANDIN_MODULES[args.path];
      if (!file) return { errors: [{ text: `k6 stand-in has no module "${args.path}" (add one under test/support/k6-standin/modules)` }] };
      return { path: join(MODULES, file) };
    });
  },
};

const compiled = new Map<string, string>();

async function compile(bundlePath: string): Promise<string> {
  let code = compiled.get(bundlePath);
  if (code === undefined) {
    const out = await build({ entryPoints: [bundlePath], bundle: true, format: 'cjs', platform: 'neutral', write: false, plugins: [standinPlugin], logLevel: 'silent' });
    code = out.outputFiles[0].text;
    compiled.set(bundlePath, code);
  }
  return code;
}

/** What a k6 script exports. */
export interface K6Exports {
  options?: Record<string, any>;
  setup?: () => unknown;
  default?: (data: unknown) => unknown;
  handleSummary?: (data: SummaryData) => Record<string, string>;
  [name: string]: unknown;
}

export interface LoadOptions {
  /** -e variables. */
  env: Record<string, string>;
  /** Answers every HTTP call the script makes. */
  respond: Responder;
  /** Start of the virtual clock (Unix ms). */
  startMs?: number;
  /** e.g. "0:1/2" to run as one instance of a segmented run. */
  executionSegment?: string;
  scenario?: string;
}

/** One VU: its exports and how to call them in k6's phases. */
export class StandinVu {
  constructor(private readonly run: StandinRun, readonly id: number, readonly exports: K6Exports) {}

  setup(): unknown {
    return this.run.inPhase(this.id, 'setup', -1, () => this.exports.setup?.());
  }

  /** Runs the default function as iteration k of the scenario (exec.scenario.iterationInTest = k). */
  iterate(k: number, data?: unknown): unknown {
    const fn = this.exports.default;
    if (!fn) throw new Error('the script exports no default function');
    return this.run.inPhase(this.id, 'iteration', k, () => fn(data));
  }

  /** Calls a named exec function (a scenario's `exec`). */
  exec(name: string, data?: unknown): unknown {
    const fn = this.exports[name];
    if (typeof fn !== 'function') throw new Error(`the script exports no function "${name}"`);
    return this.run.inPhase(this.id, 'iteration', -1, () => (fn as (d: unknown) => unknown)(data));
  }
}

export class StandinRun {
  readonly host: StandinHost;
  private nextVu = 1;

  constructor(private readonly code: string, private readonly bundlePath: string, o: LoadOptions) {
    const dir = dirname(bundlePath);
    const clock = { nowMs: o.startMs ?? Date.UTC(2025, 0, 1) };
    this.host = {
      env: { ...o.env },
      readFile: (path, binary) => {
        const full = isAbsolute(path) ? path : resolve(dir, path);
        return binary ? new Uint8Array(readFileSync(full)).buffer : readFileSync(full, 'utf8');
      },
      sharedArrays: new Map(),
      samples: [],
      calls: [],
      logs: [],
      declared: new Map(),
      respond: o.respond,
      clock,
      timers: virtualTimers(clock),
      scenario: { name: o.scenario ?? 'default', startTimeMs: o.startMs ?? Date.UTC(2025, 0, 1) },
      options: { executionSegment: o.executionSegment ?? null },
      vu: { id: 0, phase: 'init', iterationInTest: -1, tags: {}, metadata: {} },
    };
  }

  private readonly vuStates = new Map<number, StandinHost['vu']>();

  /** Runs `fn` as VU `id` in `phase`; the VU's tags and metadata persist between calls. */
  inPhase<T>(id: number, phase: Phase, k: number, fn: () => T): T {
    const state = this.vuStates.get(id) ?? { id, phase, iterationInTest: k, tags: {}, metadata: {} };
    this.vuStates.set(id, state);
    state.phase = phase;
    state.iterationInTest = k;
    this.host.vu = state;
    return fn();
  }

  /** A new VU: a fresh vm context that evaluates the script's init code. */
  newVu(): StandinVu {
    const id = this.nextVu++;
    const logs = this.host.logs;
    const log = (level: string) => (...args: unknown[]) => logs.push({ level, text: args.map(String).join(' ') });
    const module = { exports: {} as K6Exports };
    const context = vm.createContext({
      __K6_STANDIN__: this.host,
      __ENV: { ...this.host.env },
      __VU: id,
      __ITER: 0,
      module,
      exports: module.exports,
      console: { log: log('info'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') },
      open: (path: string, mode?: string) => {
        if (this.host.vu.phase !== 'init') throw new Error('open() is only allowed in init code (k6)');
        return this.host.readFile(path, mode === 'b');
      },
    });
    // The VU's clock is the host's virtual clock, so sleep() costs no real time.
    vm.runInContext('Date.now = () => __K6_STANDIN__.clock.nowMs;', context);
    this.inPhase(id, 'init', -1, () => vm.runInContext(this.code, context, { filename: this.bundlePath }));
    return new StandinVu(this, id, module.exports);
  }

  /** k6's handleSummary: in a VU of its own (VU state is not visible there), with the run's samples. */
  handleSummary(setupData?: unknown, testRunDurationMs?: number): Record<string, string> {
    const vu = this.newVu();
    const fn = vu.exports.handleSummary;
    if (!fn) throw new Error('the script exports no handleSummary');
    const data = this.summaryData(vu.exports.options ?? {}, setupData, testRunDurationMs);
    return this.inPhase(vu.id, 'summary', -1, () => fn(data));
  }

  summaryData(options: Record<string, any>, setupData?: unknown, testRunDurationMs?: number): SummaryData {
    const duration = testRunDurationMs ?? this.host.clock.nowMs - this.host.scenario.startTimeMs;
    return summaryData(this.host.samples, this.host.declared, options, duration, setupData);
  }

  get samples(): MetricSample[] {
    return this.host.samples;
  }

  get calls(): HttpCall[] {
    return this.host.calls;
  }
}

/** Loads a built k6 script for a run: call newVu() for each VU. */
export async function loadK6Script(bundlePath: string, o: LoadOptions): Promise<StandinRun> {
  const path = resolve(bundlePath);
  return new StandinRun(await compile(path), path, o);
}
