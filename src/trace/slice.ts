// Which sessions a slice keeps, decided at each session's first record so a slice streams:
// a time window on session start (= the arrival for one-request sessions), the first N
// sessions, or a seeded random sample. Sub-agents follow their parent's fate.

import { hashString, mix32 } from '../prompt/prng';
import { BoundedMap } from './bounded-map';
import type { TurnRecord } from './records';

export interface SliceSpec {
  /** Keep sessions starting in [fromMs, toMs) (trace time). */
  fromMs?: number;
  toMs?: number;
  /** Keep the first N sessions (requests, for one-request-per-session formats). */
  first?: number;
  /** Keep each session with this probability, the same ones for the same seed. */
  sample?: number;
  seed?: number;
}

/** Decisions remembered for sessions that may go on (bounded; interleaving in files is local). */
const REMEMBERED = 1 << 20;

export class SessionSelector {
  private readonly decided = new BoundedMap<string, boolean>(REMEMBERED);
  private kept = 0;

  constructor(private readonly spec: SliceSpec) {}

  keep(r: TurnRecord): boolean {
    const id = r.session.id;
    const known = this.decided.get(id);
    if (known !== undefined) return known;
    const parent = r.session.parentId !== undefined ? this.decided.get(r.session.parentId) : undefined;
    const keep = parent ?? this.decide(r);
    if (keep && parent === undefined) this.kept++;
    this.decided.set(id, keep);
    return keep;
  }

  /** True once no later session can be kept (--first reached): readers may stop early. */
  get done(): boolean {
    return this.spec.first !== undefined && this.kept >= this.spec.first && this.spec.sample === undefined;
  }

  private decide(r: TurnRecord): boolean {
    const { fromMs, toMs, first, sample, seed } = this.spec;
    const start = r.turnIndex === 0 ? (r.turn.atMs ?? r.session.startMs) : r.session.startMs;
    if (fromMs !== undefined && start < fromMs) return false;
    if (toMs !== undefined && start >= toMs) return false;
    if (sample !== undefined && mix32(hashString(r.session.id), seed ?? 0) / 2 ** 32 >= sample) return false;
    if (first !== undefined && this.kept >= first) return false;
    return true;
  }
}
