// --calibrate for a run: the calibrated word list and template overhead of one kind of server
// (its tokenize dialect) + model + endpoint + candidate list, from the cache when it is there
// (the same model on another port or host reuses it), else measured on the server
// (src/prompt/calibrate.ts) and cached. The cache lives in ~/.cache/k6-llm-replay/calibration/
// (K6LR_CACHE_DIR moves it): <key>.json says what was measured, <key>.txt is the word list that
// --vocab reads, so worker threads and the k6 export load it like any other list.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { calibrate, type Calibration } from '../prompt/calibrate';
import { HttpTokenCounter, type ServerTarget } from './tokenize-endpoint';

export interface CalibrationRequest extends ServerTarget {
  /** The candidate list's name (as --vocab) and its words. */
  candidatesName: string;
  candidates: readonly string[];
  /** Measure again even when cached. */
  refresh: boolean;
  /** Cache root (default ~/.cache/k6-llm-replay, or K6LR_CACHE_DIR). */
  cacheDir: string;
  log: (line: string) => void;
}

export interface CachedCalibration {
  version: 1;
  server: string;
  model: string;
  endpoint: string;
  candidatesName: string;
  candidatesSha256: string;
  dialect: string;
  createdAt: string;
  candidates: number;
  words: number;
  overheadTokens: number;
  checks: Calibration['checks'];
  /** The word list file (--vocab FILE). */
  vocabFile: string;
}

export interface CalibrationResult extends CachedCalibration {
  fromCache: boolean;
  cacheFile: string;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return env.K6LR_CACHE_DIR || join(homedir(), '.cache', 'k6-llm-replay');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The cache entry's name: one per tokenize dialect (kind of server), model, endpoint and candidate list. */
export function calibrationKey(dialect: string, r: Pick<CalibrationRequest, 'model' | 'endpoint' | 'candidates'>): string {
  return sha256(JSON.stringify([dialect, r.model, r.endpoint, sha256(r.candidates.join('\n'))])).slice(0, 20);
}

function readCached(file: string): CachedCalibration | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as CachedCalibration;
    readFileSync(c.vocabFile); // the word list must still be there
    return c.version === 1 ? c : undefined;
  } catch {
    return undefined; // missing or broken: measure again
  }
}

/** Writes via a temporary name, so a cut write never looks like a cache entry. */
function writeAtomic(file: string, text: string): void {
  writeFileSync(file + '.partial', text);
  renameSync(file + '.partial', file);
}

export async function calibrateServer(r: CalibrationRequest): Promise<CalibrationResult> {
  // The probe finds the tokenize endpoint (and so the kind of server) even when the cache answers.
  const counter = await HttpTokenCounter.open(r);
  const dir = join(r.cacheDir, 'calibration');
  const key = calibrationKey(counter.dialect.name, r);
  const cacheFile = join(dir, `${key}.json`);
  const cached = r.refresh ? undefined : readCached(cacheFile);
  if (cached) {
    await counter.close();
    return { ...cached, fromCache: true, cacheFile };
  }
  let c: Calibration;
  try {
    r.log(`calibrating: counting ${r.candidates.length} words of ${r.candidatesName} with ${r.baseUrl}${counter.dialect.path} (${counter.dialect.name})...`);
    let shown = 0;
    const started = Date.now();
    c = await calibrate(counter, r.candidates, {
      onProgress: (done, total) => {
        if (done - shown >= 1000 || done === total) {
          shown = done;
          r.log(`calibrating: ${done}/${total} words counted (${((Date.now() - started) / 1000).toFixed(0)} s)`);
        }
      },
    });
  } finally {
    await counter.close();
  }
  mkdirSync(dir, { recursive: true });
  const vocabFile = join(dir, `${key}.txt`);
  writeAtomic(vocabFile, `# calibrated on ${r.baseUrl} for ${r.model}: words of ${r.candidatesName} that are one token\n${c.words.join('\n')}\n`);
  const entry: CachedCalibration = {
    version: 1, server: new URL(r.baseUrl).origin, model: r.model, endpoint: r.endpoint, candidatesName: r.candidatesName,
    candidatesSha256: sha256(r.candidates.join('\n')), dialect: counter.dialect.name, createdAt: new Date().toISOString(),
    candidates: c.candidates, words: c.words.length, overheadTokens: c.overheadTokens, checks: c.checks, vocabFile,
  };
  writeAtomic(cacheFile, JSON.stringify(entry, null, 2) + '\n');
  return { ...entry, fromCache: false, cacheFile };
}
