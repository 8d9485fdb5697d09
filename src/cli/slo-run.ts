// --slo in a load command: the tracker the live run feeds with every finished request, and the
// summary JSON's "slo" block at the end (renderTable prints it).

import { SloTracker, type SloBlock, type SloObjective } from '../metrics/slo';

export interface RunSlo {
  /** Feeds LiveRun (undefined without --slo). */
  tracker?: SloTracker;
  /** The block for a run of `durationS` seconds (undefined without --slo). */
  block(durationS: number): SloBlock | undefined;
}

export function runSlo(objectives: readonly SloObjective[]): RunSlo {
  const tracker = objectives.length ? new SloTracker(objectives) : undefined;
  return { tracker, block: (d) => tracker?.block(d) };
}
