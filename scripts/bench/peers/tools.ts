// The tools of the peers table: how to replay a Mooncake-format file with each (the slice is
// written already time-scaled, so every tool replays it at 1x: no speed-up flag to disagree on),
// and how to read what each leaves behind. Every peer runs offline: HF_HUB_OFFLINE and friends,
// and its tokenizer from the Hugging Face cache laid out by install.sh (models--local--llama3).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/sim/spawn';
import type { ToolCommand } from './run-tool';
import { readAiperf, readEngine, readGuidellm, readInferencePerf, readVllm, type ToolOutput } from './peer-outputs';

export const VENVS = join(REPO_ROOT, 'build/venv-peers');

/** What a tool is asked to do: replay `trace` against `baseUrl`, leaving its files in `outDir`. */
export interface ReplayJob {
  trace: string;
  baseUrl: string;
  outDir: string;
  /** Requests in the trace (some tools need the count or a bound). */
  requests: number;
}

export interface Tool {
  name: string;
  version: string;
  /** Why the tool cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
  replay(job: ReplayJob): ToolCommand;
  read(outDir: string): ToolOutput;
}

const OFFLINE = {
  HF_HOME: join(VENVS, 'hf'),
  HF_HUB_OFFLINE: '1',
  TRANSFORMERS_OFFLINE: '1',
  HF_DATASETS_OFFLINE: '1',
  HF_HUB_DISABLE_TELEMETRY: '1',
  DO_NOT_TRACK: '1',
  TOKENIZERS_PARALLELISM: 'false',
};
const TOKENIZER = 'local/llama3';

function venvMissing(name: string, version: string): string | undefined {
  return existsSync(join(VENVS, name, `.installed-${version}`)) ? undefined : `not installed (bash scripts/bench/peers/install.sh)`;
}

function ourVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export const ENGINE: Tool = {
  name: 'llm-replay',
  version: ourVersion(),
  unavailable: () => undefined,
  replay: (j) => ({
    argv: [process.execPath, join(REPO_ROOT, 'dist/app/llm-replay.js'), 'replay', '--trace', j.trace, '--base-url', j.baseUrl, '--out', `jsonl=${join(j.outDir, 'records.jsonl')}`,
      '--summary-json', join(j.outDir, 'summary.json'), '--no-scrape', '--quiet', '--timeout-ms', '60000'],
    cwd: REPO_ROOT,
  }),
  read: (d) => readEngine(readFileSync(join(d, 'records.jsonl'), 'utf8'), readFileSync(join(d, 'summary.json'), 'utf8')),
};

export const AIPERF: Tool = {
  name: 'AIPerf',
  version: '0.13.0',
  unavailable: () => venvMissing('aiperf', '0.13.0'),
  // --use-server-token-count: token counts from the server's usage (else it warns per request).
  replay: (j) => ({
    argv: [join(VENVS, 'aiperf/bin/aiperf'), 'profile', '--model', 'sim-model', '--url', j.baseUrl, '--endpoint-type', 'chat', '--streaming',
      '--input-file', j.trace, '--custom-dataset-type', 'mooncake_trace', '--fixed-schedule', '--tokenizer', TOKENIZER,
      '--use-server-token-count', '--ui', 'none', '--artifact-dir', j.outDir, '--no-auto-plot'],
    env: OFFLINE,
    cwd: j.outDir,
  }),
  read: (d) => readAiperf(readFileSync(join(d, 'profile_export.jsonl'), 'utf8'), readFileSync(join(d, 'profile_export_aiperf.json'), 'utf8')),
};

/** GuideLLM's CLI takes each part as a JSON object. */
const j = (o: unknown) => JSON.stringify(o);

export const GUIDELLM: Tool = {
  name: 'GuideLLM',
  version: '0.8.1',
  unavailable: () => venvMissing('guidellm', '0.8.1'),
  // Replay profile: start + time_scale * timestamp, in seconds: Mooncake's ms need 0.001.
  // schedule_turn=timestamp sends at the trace time (idle_gap would wait on completions).
  replay: (job) => ({
    argv: [join(VENVS, 'guidellm/bin/guidellm'), 'run',
      '--backend', j({ kind: 'openai_http', target: job.baseUrl, model: 'sim-model' }),
      '--profile', j({ kind: 'replay', time_scale: 0.001, schedule_turn: 'timestamp' }),
      '--data', j({ kind: 'mooncake', source: { kind: 'json_file', path: job.trace } }),
      '--tokenizer', j({ kind: 'huggingface_auto', model: TOKENIZER }),
      '--output', j({ kind: 'json', path: join(job.outDir, 'benchmarks.json') }),
      '--disable-console-interactive'],
    env: OFFLINE,
    cwd: job.outDir,
  }),
  read: (d) => readGuidellm(readFileSync(join(d, 'benchmarks.json'), 'utf8')),
};

/**
 * A Mooncake-format file as the Azure public dataset CSV inference-perf replays (TIMESTAMP as
 * "YYYY-MM-DD HH:MM:SS.ffffff" UTC, ContextTokens, GeneratedTokens): hash ids have no column
 * there, so its prompts share no prefixes. Returns the CSV and the span in seconds.
 */
export function mooncakeToAzureCsv(jsonl: string): { csv: string; spanS: number } {
  const base = Date.UTC(2024, 0, 1);
  let spanS = 0;
  const lines = ['TIMESTAMP,ContextTokens,GeneratedTokens'];
  for (const l of jsonl.split('\n')) {
    if (!l.trim()) continue;
    const r = JSON.parse(l) as { timestamp: number; input_length: number; output_length: number };
    const ms = base + r.timestamp;
    const micros = String(Math.round((ms % 1000) * 1000)).padStart(6, '0');
    lines.push(`${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}.${micros},${r.input_length},${r.output_length}`);
    spanS = Math.max(spanS, r.timestamp / 1000);
  }
  return { csv: lines.join('\n') + '\n', spanS };
}

export const INFERENCE_PERF: Tool = {
  name: 'inference-perf',
  version: '0.7.0',
  unavailable: () => (existsSync(join(VENVS, 'inference-perf.python')) ? venvMissing('inference-perf', '0.7.0') : 'needs Python >= 3.12 (Debian 12 has 3.11; PyPI has no interpreters) and none was found'),
  // trace_replay takes the timing from the CSV and the random generator its lengths; streaming
  // only on /v1/completions (api type completion). One stage that outlasts the trace.
  replay: (job) => {
    const { csv, spanS } = mooncakeToAzureCsv(readFileSync(job.trace, 'utf8'));
    const csvPath = join(job.outDir, 'trace.csv');
    writeFileSync(csvPath, csv);
    const trace = { file: csvPath, format: 'AzurePublicDataset' };
    const config = {
      api: { type: 'completion', streaming: true },
      data: { type: 'random', trace },
      load: { type: 'trace_replay', trace, stages: [{ rate: 1, duration: Math.ceil(spanS) + 30 }], num_workers: 2 },
      server: { type: 'vllm', model_name: 'sim-model', base_url: job.baseUrl, ignore_eos: true },
      tokenizer: { pretrained_model_name_or_path: TOKENIZER },
      report: { request_lifecycle: { summary: true, per_stage: false, per_request: true } },
      storage: { local_storage: { path: job.outDir } },
    };
    const configPath = join(job.outDir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config, null, 1)); // YAML reads JSON
    return { argv: [join(VENVS, 'inference-perf/bin/inference-perf'), '-c', configPath], env: OFFLINE, cwd: job.outDir };
  },
  read: (d) => readInferencePerf(readFileSync(join(d, 'per_request_lifecycle_metrics.json'), 'utf8'), readFileSync(join(d, 'summary_lifecycle_metrics.json'), 'utf8')),
};

/** vLLM's request ids: this prefix + the request's index in the trace (readVllm rebuilds them). */
export const VLLM_ID_PREFIX = 'vllm-bench-';
/** Its result file in the run's folder (--save-result --save-detailed). */
export const VLLM_RESULT = 'vllm-result.json';

export const VLLM: Tool = {
  name: 'vllm-bench',
  version: '0.33.0',
  unavailable: () => venvMissing('vllm', '0.33.0'),
  // timed_trace: Mooncake rows sent at their timestamps (ms: multiplier 0.001), token-id prompts
  // on /v1/completions built from the 512-token hash blocks. No ready-check request (it would be
  // one more request than the others send); every statistic the cross-check compares.
  replay: (job) => ({
    argv: [join(VENVS, 'vllm/bin/vllm'), 'bench', 'serve', '--backend', 'openai', '--base-url', job.baseUrl, '--endpoint', '/v1/completions',
      '--model', 'sim-model', '--tokenizer', TOKENIZER, '--dataset-name', 'timed_trace', '--dataset-path', job.trace,
      '--timed-trace-sec-multiplier', '0.001', '--timed-trace-chunk-hash-size', '512', '--num-prompts', String(job.requests),
      '--ignore-eos', '--ready-check-timeout-sec', '0', '--request-id-prefix', VLLM_ID_PREFIX,
      '--percentile-metrics', 'ttft,tpot,itl,e2el', '--metric-percentiles', '25,50,75,90,95,99,99.9',
      '--save-result', '--save-detailed', '--result-dir', job.outDir, '--result-filename', VLLM_RESULT, '--disable-tqdm'],
    env: OFFLINE,
    cwd: job.outDir,
  }),
  read: (d) => readVllm(readFileSync(join(d, VLLM_RESULT), 'utf8'), VLLM_ID_PREFIX),
};
