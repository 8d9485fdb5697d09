// What one scrape of the engine's /metrics means for the run: the engine_* samples to record,
// or why not. It owns the "costs one warning" rule: a /metrics that fails three times before
// ever answering, or answers without any known engine's series, makes the session give up with
// one warning; one that answered and then stops is warned about once, and its failures are
// counted in engine_scrapes{outcome:error}. Pure: the runtime does the HTTP and the recording.

import { parseExposition } from './exposition';
import { detectEngine, snapshot, type EngineName } from './engines';
import { EngineTracker, type EngineSample } from './tracker';
import { ENGINE_SCRAPES } from './names';

/** Failed scrapes in a row, before any success, after which the engine is taken as absent. */
export const GIVE_UP_AFTER = 3;

export type ScrapeAnswer = { status: number; body: string } | { error: string };

export interface ScrapeStep {
  /** engine_scrapes{outcome}: undefined when this answer is not counted (not an engine). */
  outcome?: 'ok' | 'error';
  samples: EngineSample[];
  /** Tag for the samples. */
  engine?: EngineName;
}

export interface SessionLog {
  warn(message: string): void;
  info(message: string): void;
}

export class ScrapeSession {
  private readonly tracker = new EngineTracker();
  private engine: EngineName | null;
  private succeeded = false;
  private failuresInRow = 0;
  private warned = false;
  /** Scraping is pointless (no /metrics, or not an engine we know): the runtime stops asking. */
  gaveUp = false;

  constructor(
    private readonly url: string,
    engine: EngineName | null,
    private readonly model: string | undefined,
    private readonly intervalS: number,
    private readonly log: SessionLog,
  ) {
    this.engine = engine;
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn(`scrape: ${message}`);
  }

  /** Handles one answer (or network error) received at `atMs` (any monotonic ms clock). */
  handle(answer: ScrapeAnswer, atMs: number): ScrapeStep {
    if ('error' in answer || answer.status !== 200) {
      this.failuresInRow++;
      const why = 'error' in answer ? answer.error : `status ${answer.status}`;
      if (this.succeeded) {
        this.warnOnce(`${this.url} stopped answering (${why}); failed scrapes are counted in ${ENGINE_SCRAPES}{outcome:error}`);
      } else if (this.failuresInRow >= GIVE_UP_AFTER) {
        this.gaveUp = true;
        this.warnOnce(`cannot read ${this.url} (${why}, ${GIVE_UP_AFTER} tries): no engine_* metrics in this run (--scrape-url URL or --no-scrape; -e SCRAPE_URL / SCRAPE=false on the k6 export)`);
      }
      return { outcome: 'error', samples: [] };
    }
    const expo = parseExposition(answer.body);
    if (!this.engine) this.engine = detectEngine(expo);
    const snap = this.engine ? snapshot(expo, this.engine, this.model) : null;
    if (!snap || (Object.keys(snap.levels).length === 0 && Object.keys(snap.counters).length === 0)) {
      this.gaveUp = true;
      const seen = expo.samples.slice(0, 3).map((s) => s.name).join(', ');
      this.warnOnce(`${this.url} shows no ${this.engine ?? 'vLLM, SGLang or llama.cpp'} metrics ` +
        `(${expo.samples.length} series${seen ? `, e.g. ${seen}` : ''}): no engine_* metrics in this run (set the scrape engine or URL, or turn the scrape off)`);
      return { samples: [] };
    }
    if (!this.succeeded) {
      this.log.info(`scrape: ${snap.engine} metrics from ${this.url} every ${this.intervalS}s` +
        (snap.missing.length ? ` (not exposed: ${snap.missing.join(', ')})` : ''));
    }
    this.succeeded = true;
    this.failuresInRow = 0;
    return { outcome: 'ok', samples: this.tracker.update(snap, atMs), engine: snap.engine };
  }
}
