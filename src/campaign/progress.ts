// One progress line over the whole campaign: which point of how many, that point's own progress
// (read from the point's progress log lines), and the ETA of the point and of the campaign.
// Redrawn in place on a terminal, a log line every few seconds otherwise.

import { formatDuration } from '../engine/progress';

export interface CampaignProgressState {
  /** 1-based number of the running point, of `total` (an upper bound with a capacity search). */
  k: number;
  total: number;
  bounded: boolean;
  pointId: string;
  pointPct: number | null;
  pointEtaMs: number | null;
  elapsedMs: number;
  /** Mean wall time of the points run so far (cool-down included), null before the first. */
  meanPointMs: number | null;
}

/** Time left: the running point's ETA plus the points after it at the mean point time. */
export function campaignEtaMs(s: CampaignProgressState): number | null {
  if (s.meanPointMs === null) return null;
  return (s.pointEtaMs ?? s.meanPointMs) + (s.total - s.k) * s.meanPointMs;
}

export function formatCampaignLine(s: CampaignProgressState): string {
  const eta = campaignEtaMs(s);
  return [
    `point ${s.k}/${s.bounded ? '<=' : ''}${s.total} ${s.pointId}`,
    s.pointPct === null ? '' : `${s.pointPct}%`,
    `point ETA ${s.pointEtaMs === null ? '--' : formatDuration(s.pointEtaMs)}`,
    `campaign ETA ${eta === null ? '--' : (s.bounded ? '<=' : '') + formatDuration(eta)}`,
    `elapsed ${formatDuration(s.elapsedMs)}`,
  ].filter(Boolean).join('  ');
}

/** Reads a point's "progress ... done_pct=N ... eta=T" log line (src/engine/progress.ts formatLogLine). */
export function parsePointProgress(line: string): { pct: number | null; etaMs: number | null } | null {
  if (!line.startsWith('progress ')) return null;
  const pct = /\bdone_pct=(\d+)/.exec(line);
  const eta = /\beta=(\S+)/.exec(line);
  return { pct: pct ? Number(pct[1]) : null, etaMs: eta ? parseDuration(eta[1]) : null };
}

/** Inverse of formatDuration: "850ms", "12s", "1m05s", "2h03m"; null for "--". */
export function parseDuration(t: string): number | null {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(t);
  if (!m || t === '' || t === '--') return null;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000 + Number(m[4] ?? 0);
}

export class CampaignProgress {
  private state: CampaignProgressState | null = null;
  private shown = false;
  private lastLog = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly tty: boolean, private readonly write: (t: string) => void, private readonly startMs = Date.now()) {
    this.timer = setInterval(() => this.draw(), tty ? 250 : 5000);
    this.timer.unref();
  }

  update(s: Omit<CampaignProgressState, 'elapsedMs'>): void {
    this.state = { ...s, elapsedMs: Date.now() - this.startMs };
  }

  /** Between points (cool-down, skipped points): no line until the next point. */
  idle(): void {
    this.erase();
    this.state = null;
  }

  /** A line of its own above the progress line. */
  message(text: string): void {
    this.erase();
    this.write(text.endsWith('\n') ? text : text + '\n');
    if (this.tty) this.draw();
  }

  private erase(): void {
    if (this.tty && this.shown) this.write('\r\x1b[K');
    this.shown = false;
  }

  private draw(): void {
    if (!this.state) return;
    this.state.elapsedMs = Date.now() - this.startMs;
    const line = formatCampaignLine(this.state);
    if (this.tty) {
      this.write(`\r\x1b[K${line.slice(0, Math.max(10, (process.stderr.columns || 80) - 1))}`);
      this.shown = true;
    } else if (Date.now() - this.lastLog >= 4900) {
      this.lastLog = Date.now();
      this.write(`campaign ${line}\n`);
    }
  }

  end(): void {
    clearInterval(this.timer);
    this.erase();
  }
}
