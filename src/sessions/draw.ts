// Drawing sessions for a pool of users: draw k (k = 0, 1, 2, ... as users free up) replays one
// session group. The groups are shuffled with the seed and drawn without replacement; once all
// have been drawn, the next round draws them again in a new order. Deterministic in (seed, k),
// so k6 instances that share a run through execution segments draw the same sequence and each
// replays only its own k (exec.scenario.iterationInTest).

import { mix32, mulberry32 } from '../prompt/prng';

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function shuffledOrder(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = rand() % (i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export class SessionDraw {
  private round = -1;
  private order: number[] = [];

  constructor(
    private readonly groups: number,
    private readonly seed: number,
  ) {
    if (!(groups > 0)) throw new Error('no sessions to draw from');
  }

  /** The group replayed by draw k. */
  group(k: number): number {
    const round = Math.floor(k / this.groups);
    if (round !== this.round) {
      this.order = shuffledOrder(this.groups, mix32(this.seed >>> 0, round));
      this.round = round;
    }
    return this.order[k % this.groups];
  }
}
