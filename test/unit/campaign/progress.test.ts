import { describe, expect, it } from 'vitest';
import { campaignEtaMs, formatCampaignLine, parseDuration, parsePointProgress } from '../../../src/campaign/progress';
import { formatDuration, formatLogLine } from '../../../src/engine/progress';

describe('campaign progress', () => {
  it('reads the point log lines the engine prints', () => {
    const line = formatLogLine({ planned: 40, sent: 20, done: 18, failed: 1, inFlight: 2, reqPerS: 9.5, elapsedMs: 2000, etaMs: 65_000 });
    expect(parsePointProgress(line)).toEqual({ pct: 45, etaMs: 65_000 });
    expect(parsePointProgress('request x failed')).toBeNull();
    for (const ms of [850, 12_000, 65_000, 2 * 3600_000 + 3 * 60_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
    expect(parseDuration('--')).toBeNull();
  });

  it('estimates the campaign ETA from the mean point time', () => {
    const s = { k: 2, total: 5, bounded: false, pointId: 'p', pointPct: 50, pointEtaMs: 3000, elapsedMs: 20_000, meanPointMs: 10_000 };
    expect(campaignEtaMs(s)).toBe(33_000);
    expect(formatCampaignLine(s)).toBe('point 2/5 p  50%  point ETA 3s  campaign ETA 33s  elapsed 20s');
    expect(campaignEtaMs({ ...s, meanPointMs: null })).toBeNull();
    expect(formatCampaignLine({ ...s, bounded: true })).toContain('point 2/<=5');
  });
});
