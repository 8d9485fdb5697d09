import { describe, expect, it } from 'vitest';
import { GateError, gatesPassed, judgeGate, judgeGates, parseGate, renderGates } from '../../../src/report/gate';
import type { FigureRow, PointComparison } from '../../../src/report/compare';

function row(figure: string, a: number, b: number, verdict: FigureRow['verdict']): FigureRow {
  return { figure, a, b, diff: b - a, change: (b - a) / Math.abs(a), verdict };
}

function pair(rows: FigureRow[]): PointComparison {
  return { a: 'base', b: 'new', noiseJudged: true, rows };
}

describe('parseGate', () => {
  it('reads figure, direction, amount and unit', () => {
    expect(parseGate('ttft.p99:+10%')).toMatchObject({ key: 'ttft.p99', worse: 1, amount: 10, unit: '%' });
    expect(parseGate('errors.rate:+0.5pp')).toMatchObject({ key: 'errors.rate', worse: 1, amount: 0.5, unit: 'pp' });
    expect(parseGate('throughput.output:-5%')).toMatchObject({ worse: -1, amount: 5 });
    // Without a sign, the figure's own bad direction: lower throughput is worse.
    expect(parseGate('throughput.output:5%').worse).toBe(-1);
    expect(parseGate('e2e.mean:200')).toMatchObject({ unit: 'abs', amount: 200 });
    expect(parseGate('itl.p99.9:+20%').key).toBe('itl.p99.9');
  });

  it('refuses what it cannot judge, saying how to write it', () => {
    expect(() => parseGate('ttft')).toThrow(GateError);
    expect(() => parseGate('latency.p99:+10%')).toThrow(/unknown figure "latency.p99"/);
    expect(() => parseGate('ttft.p99:+1pp')).toThrow(/pp \(percentage points\) is for rates/);
  });
});

describe('judgeGate', () => {
  const rows = [
    row('TTFT p99 (ms)', 100, 130, 'beyond noise'),
    row('TTFT p50 (ms)', 100, 130, 'within noise'),
    row('ITL (req. mean) p99 (ms)', 10, 10.5, 'beyond noise'),
    row('error rate (%)', 0, 2, 'beyond noise'),
    row('output tok/s', 1000, 800, 'beyond noise'),
    row('E2E p99 (ms)', 1000, 1500, 'noise unknown'),
  ];
  const p = pair(rows);

  it('fails only when worse by more than the amount AND beyond noise', () => {
    expect(judgeGate(parseGate('ttft.p99:+10%'), p).status).toBe('failed');
    expect(judgeGate(parseGate('ttft.p99:+40%'), p).status).toBe('held');
    // 30% worse, but within noise: holds.
    const within = judgeGate(parseGate('ttft.p50:+10%'), p);
    expect(within.status).toBe('held');
    expect(within.why).toContain('within noise');
    expect(judgeGate(parseGate('itl.p99:+10%'), p).status).toBe('held');
  });

  it('percentage points for rates, lower-is-worse for throughput, noise unknown fails when exceeded', () => {
    expect(judgeGate(parseGate('errors.rate:+0.5pp'), p)).toMatchObject({ status: 'failed', worsening: 2 });
    expect(judgeGate(parseGate('errors.rate:+3pp'), p).status).toBe('held');
    expect(judgeGate(parseGate('throughput.output:-10%'), p)).toMatchObject({ status: 'failed', worsening: 20 });
    expect(judgeGate(parseGate('e2e.p99:+10%'), p).why).toContain('noise unknown');
    expect(judgeGate(parseGate('e2e.p99:+10%'), p).status).toBe('failed');
    expect(judgeGate(parseGate('goodput:-5%'), p).status).toBe('missing');
  });

  it('a table of which gates held; passed only when none failed', () => {
    const results = judgeGates([parseGate('ttft.p99:+10%'), parseGate('ttft.p99:+50%')], [p]);
    expect(gatesPassed(results)).toBe(false);
    expect(gatesPassed(results.slice(1))).toBe(true);
    const text = renderGates(results);
    expect(text).toMatch(/ttft\.p99:\+10%\s+base vs new\s+FAILED\s+\+30\.00% worse \(limit 10%\), beyond noise/);
    expect(text).toMatch(/ttft\.p99:\+50%\s+base vs new\s+held/);
    expect(text).toContain('1 gate(s) failed: exit 99');
  });
});
