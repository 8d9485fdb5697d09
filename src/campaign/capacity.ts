// Capacity search: the highest load (speed-up, rate or users) whose SLO attainment stays at or
// above a target. Brackets by doubling from `min` until a probe fails (or `max` passes), then
// bisects until the bracket is narrower than the tolerance, within `maxProbes` runs in all.
// A probe's attainment is a proportion of n requests: when the target lies inside its 95%
// Wilson score interval the verdict is noise, so the probe is run once more and the two are
// pooled. Assumes attainment falls as load grows. Pure: probes are run by the caller.

import type { CapacitySpec } from './file';
import type { CapacityProbe, CapacityResult } from './index-file';

export interface ProbeOutcome {
  met: number;
  total: number;
  pointId: string;
}

/** Runs the load `value` (`repeat` 0 first, 1 for the repeat of a noisy verdict). */
export type Probe = (value: number, repeat: number) => Promise<ProbeOutcome>;

/** 95% Wilson score interval of k successes in n trials. */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Whether `target` is inside the interval of k/n: the probe cannot tell pass from fail. */
export function withinNoise(k: number, n: number, target: number): boolean {
  const [lo, hi] = wilson(k, n);
  return target >= lo && target <= hi;
}

interface Verdict {
  pass: boolean;
  noisy: boolean;
}

class Search {
  readonly probes: CapacityProbe[] = [];
  noisyVerdicts = 0;

  constructor(private readonly spec: CapacitySpec, private readonly probe: Probe) {}

  get budgetLeft(): number {
    return this.spec.maxProbes - this.probes.length;
  }

  round(v: number): number {
    return this.spec.load === 'users' ? Math.round(v) : Number(v.toPrecision(4));
  }

  async evaluate(value: number): Promise<Verdict> {
    let met = 0;
    let total = 0;
    for (let repeat = 0; repeat < 2; repeat++) {
      const o = await this.probe(value, repeat);
      this.probes.push({ value, attainment: o.total ? o.met / o.total : 0, pointId: o.pointId });
      met += o.met;
      total += o.total;
      if (!withinNoise(met, total, this.spec.target) || this.budgetLeft === 0) break;
    }
    const noisy = withinNoise(met, total, this.spec.target);
    if (noisy) this.noisyVerdicts++;
    return { pass: total > 0 && met / total >= this.spec.target, noisy };
  }
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(4)));
}

export async function searchCapacity(spec: CapacitySpec, probe: Probe): Promise<CapacityResult> {
  const s = new Search(spec, probe);
  const result = (answer: number | null, confidence: string): CapacityResult => {
    const noise = s.noisyVerdicts ? `; ${s.noisyVerdicts} verdict(s) stayed within noise of the target after a repeat (more requests per point would settle them)` : '';
    return { loadKind: spec.load, target: spec.target, answer, tolerance: spec.tolerance, confidence: confidence + noise, probes: s.probes };
  };
  const first = await s.evaluate(spec.min);
  if (!first.pass) return result(null, `even the lowest load ${fmt(spec.min)} misses the target: lower capacity.min`);
  let lo = spec.min;
  let hi: number | null = null;
  // Bracket: double until a probe fails or max passes.
  while (hi === null && s.budgetLeft > 0) {
    const v = s.round(Math.min(lo * 2, spec.max));
    if ((await s.evaluate(v)).pass) {
      lo = v;
      if (v >= spec.max) return result(lo, `the highest load tried, ${fmt(spec.max)}, still holds the target: capacity is at least that; raise capacity.max`);
    } else hi = v;
  }
  if (hi === null) return result(lo, `probe budget spent while bracketing: capacity is at least ${fmt(lo)}; raise capacity.maxProbes`);
  // Bisect.
  while (hi - lo > spec.tolerance && s.budgetLeft > 0) {
    const mid = s.round((lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;
    if ((await s.evaluate(mid)).pass) lo = mid;
    else hi = mid;
  }
  const width = hi - lo;
  const settled = width <= spec.tolerance || (spec.load === 'users' && width <= 1);
  return result(lo, settled
    ? `capacity in [${fmt(lo)}, ${fmt(hi)}): ${fmt(lo)} holds the target, ${fmt(hi)} misses it (bracket ${fmt(width)} <= tolerance ${fmt(spec.tolerance)})`
    : `probe budget spent: capacity in [${fmt(lo)}, ${fmt(hi)}), wider than the tolerance ${fmt(spec.tolerance)}; raise capacity.maxProbes`);
}
