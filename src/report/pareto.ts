// The Pareto frontier of campaign points for throughput (higher is better) against a latency
// (lower is better): the non-dominated set. A point is dominated when another is at least as
// good on both axes and strictly better on one. Pure.

export interface ParetoPoint { x: number; y: number }

/** Indices of the non-dominated points, ordered by x ascending (the frontier as drawn). Non-finite points never count. */
export function paretoFrontier(points: readonly ParetoPoint[]): number[] {
  const idx = points.map((_, i) => i).filter((i) => Number.isFinite(points[i].x) && Number.isFinite(points[i].y));
  // Sweep from the highest throughput down: a point is on the frontier when its latency is
  // below every latency seen at a higher (or equal, lower-latency-first) throughput.
  idx.sort((a, b) => points[b].x - points[a].x || points[a].y - points[b].y);
  const out: number[] = [];
  let bestY = Infinity;
  let last: ParetoPoint | undefined;
  let lastOnFrontier = false;
  for (const i of idx) {
    const { x, y } = points[i];
    // An exact duplicate of a frontier point is not dominated by it.
    const onFrontier: boolean = y < bestY || (lastOnFrontier && last !== undefined && x === last.x && y === last.y);
    if (onFrontier) out.push(i);
    bestY = Math.min(bestY, y);
    last = points[i];
    lastOnFrontier = onFrontier;
  }
  return out.reverse();
}
