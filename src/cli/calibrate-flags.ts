// --calibrate on the load commands (replay, sessions): before the run, the server's tokenizer
// counts the candidate words (--vocab, default universal) and the template overhead is measured
// (src/calibration/cache.ts); the run then reads the calibrated list and overhead through the
// ordinary VOCAB and TEMPLATE_TOKENS options, in this thread and in worker threads alike.

import type { EnvMap } from '../config/env';
import type { Endpoint } from '../config/replay';
import { calibrateServer, defaultCacheDir, type CalibrationResult } from '../calibration/cache';
import { CalibrationError } from '../prompt/calibrate';
import { loadVocabulary } from '../scenarios/replay-data';
import { UsageError, type FlagSpec } from './flags';

export const CALIBRATE_FLAGS: FlagSpec[] = [
  { flag: 'calibrate', kind: 'bool', help: 'count --vocab (default universal) with the server\'s tokenize endpoint and measure its template overhead first, so prompts hit the recorded lengths exactly (cached per kind of server, model and endpoint)' },
  { flag: 'calibrate-refresh', kind: 'bool', help: 'with --calibrate: measure again even when a cached calibration exists' },
];

export interface CalibrationTarget {
  baseUrl: string;
  endpoint: Endpoint;
  apiKey?: string;
}

/** What the summary JSON says about the calibration (null without --calibrate). */
export function calibrationSummary(r: CalibrationResult | undefined): Record<string, unknown> | null {
  if (!r) return null;
  return { dialect: r.dialect, candidates: r.candidatesName, candidateWords: r.candidates, words: r.words, overheadTokens: r.overheadTokens, fromCache: r.fromCache, vocabFile: r.vocabFile };
}

/**
 * With --calibrate, calibrates (or reads the cache) and points VOCAB and TEMPLATE_TOKENS in
 * `options` at the result; returns it (undefined without --calibrate).
 */
export async function applyCalibration(options: EnvMap, target: CalibrationTarget, model: string, log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env): Promise<CalibrationResult | undefined> {
  if (options.CALIBRATE !== 'true') return undefined;
  if (options.TEMPLATE !== undefined || options.TEMPLATE_TOKENS !== undefined) {
    throw new UsageError('--calibrate measures the template overhead itself: drop --template / --template-tokens');
  }
  const candidatesName = options.VOCAB === undefined || options.VOCAB === 'synthetic' ? 'universal' : options.VOCAB;
  const candidates = loadVocabulary(candidatesName).words;
  let result: CalibrationResult;
  try {
    result = await calibrateServer({
      ...target, model, candidatesName, candidates, refresh: options.CALIBRATE_REFRESH === 'true', cacheDir: defaultCacheDir(env), log,
    });
  } catch (e) {
    // A server that cannot be calibrated stops the run before anything is sent (exit 1).
    if (e instanceof CalibrationError) throw new Error(e.message);
    throw e;
  }
  log(`calibrated${result.fromCache ? ' (cached)' : ''}: ${result.words} of ${result.candidates} words are one token on ${result.model}; ` +
    `template overhead ${result.overheadTokens} token(s) on ${target.endpoint} (${result.cacheFile})`);
  options.VOCAB = result.vocabFile;
  options.TEMPLATE_TOKENS = String(result.overheadTokens);
  return result;
}
