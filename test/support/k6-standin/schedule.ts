// What k6's ramping-arrival-rate executor does with a scenario's stages: how many iterations
// it starts, and when iteration i starts (the moment the integral of the rate reaches i + 1).

export interface ArrivalScenario {
  executor: string;
  startRate?: number;
  timeUnit?: string;
  stages: Array<{ target: number; duration: string }>;
}

/** k6 duration text ("250ms", "1s", "2m", "1m30s") in ms. */
export function durationMs(text: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  if (consumed !== text.length || text.length === 0) throw new Error(`not a k6 duration: "${text}"`);
  return total;
}

/** Linear pieces of the rate (iterations per ms) over time. */
function pieces(s: ArrivalScenario): Array<{ startMs: number; ms: number; from: number; to: number }> {
  if (s.executor !== 'ramping-arrival-rate') throw new Error(`not a ramping-arrival-rate scenario: ${s.executor}`);
  const unit = durationMs(s.timeUnit ?? '1s');
  let rate = s.startRate ?? 0;
  let t = 0;
  const out: Array<{ startMs: number; ms: number; from: number; to: number }> = [];
  for (const st of s.stages) {
    const ms = durationMs(st.duration);
    out.push({ startMs: t, ms, from: rate / unit, to: st.target / unit });
    rate = st.target;
    t += ms;
  }
  return out;
}

/** Iterations the stages start: the integral of the rate. */
export function iterationCount(s: ArrivalScenario): number {
  return Math.round(pieces(s).reduce((sum, p) => sum + ((p.from + p.to) / 2) * p.ms, 0));
}

/** Start time (ms from the scenario start) of every iteration, from the integral of the rate. */
export function iterationStartsMs(s: ArrivalScenario): number[] {
  const starts: number[] = [];
  let done = 0;
  for (const p of pieces(s)) {
    const slope = p.ms > 0 ? (p.to - p.from) / p.ms : 0;
    const area = ((p.from + p.to) / 2) * p.ms;
    // Iteration i starts where done + integral(0..x) = i + 1: solve slope/2 x^2 + from x = need.
    while (starts.length + 1 <= done + area + 1e-9) {
      const need = starts.length + 1 - done;
      const x = Math.abs(slope) < 1e-15 ? need / p.from : (-p.from + Math.sqrt(p.from * p.from + 2 * slope * need)) / slope;
      starts.push(p.startMs + x);
    }
    done += area;
  }
  return starts;
}
