// `llm-replay calibrate`: --calibrate on its own, for the k6 export (a k6 script cannot ask the
// server before its init stage reads the word list): calibrates (or reads the cache) and prints
// the word list file and template overhead as the -e options k6 takes.

import { readLoadFlags } from './run-flags';
import { renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { TARGET_FLAGS } from './common-flags';
import { applyCalibration } from './calibrate-flags';
import { runModel } from '../engine/preflight';
import { ENDPOINTS, type Endpoint } from '../config/replay';

export const CALIBRATE_COMMAND_FLAGS: FlagSpec[] = [
  ...TARGET_FLAGS.filter((f) => ['base-url', 'model', 'endpoint'].includes(f.flag)),
  { flag: 'vocab', value: 'NAME|FILE', default: 'universal', help: 'candidate word list: data/vocab/<name>.txt or a file' },
  { flag: 'refresh', name: 'CALIBRATE_REFRESH', kind: 'bool', help: 'measure again even when a cached calibration exists' },
];

const USAGE = `usage: llm-replay calibrate [--base-url URL] [--model NAME] [--endpoint chat|completions|messages|responses|embeddings|rerank] [--vocab NAME|FILE] [--refresh]

Counts the candidate words with the server's own tokenize endpoint (llama-cpp-python
/extras/tokenize/count, vLLM and SGLang /tokenize, llama.cpp /tokenize), keeps those that are one
token, and measures the chat template's overhead once (cached in ~/.cache/k6-llm-replay/calibration,
K6LR_CACHE_DIR moves it). Prints the k6 options that make the export's prompts exact:
  -e VOCAB=<calibrated word list> -e TEMPLATE_TOKENS=<overhead>
(llm-replay replay/sessions do the same with --calibrate.)`;

export async function calibrateCommand(argv: string[]): Promise<number> {
  const read = readLoadFlags(argv, CALIBRATE_COMMAND_FLAGS, 'llm-replay calibrate', process.env);
  if (read === 'help') {
    process.stdout.write(renderHelp(USAGE, CALIBRATE_COMMAND_FLAGS));
    return EXIT.ok;
  }
  const o = read.options;
  const baseUrl = (o.BASE_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
  const endpoint = (o.ENDPOINT ?? 'chat') as Endpoint;
  if (!(ENDPOINTS as readonly string[]).includes(endpoint)) throw new UsageError(`--endpoint ${endpoint}: must be one of ${ENDPOINTS.join(', ')}`);
  const apiKey = process.env.OPENAI_API_KEY ?? process.env.API_KEY;
  const model = await runModel({ baseUrl, model: o.MODEL, apiKey }, true);
  const options = { ...o, CALIBRATE: 'true' };
  const r = await applyCalibration(options, { baseUrl, endpoint, apiKey }, model, (t) => process.stderr.write(t + '\n'));
  process.stdout.write(`-e VOCAB=${r!.vocabFile} -e TEMPLATE_TOKENS=${r!.overheadTokens}\n`);
  return EXIT.ok;
}
