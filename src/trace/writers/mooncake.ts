// Mooncake JSONL output: one row per request with an arrival time (recorded, or estimated for
// closed-loop turns), the whole prompt length and 512-token hash ids -- regrouped from smaller
// blocks, or derived for accumulating sessions, so peers replay the same prefix reuse.

import { MOONCAKE_BLOCK_SIZE } from '../formats/mooncake';
import type { TurnRecord } from '../records';
import { PromptBlocks } from '../stats/prompt-blocks';
import { Timeline } from '../stats/timeline';
import { Reblocker } from './reblock';
import type { RecordWriter, WriterInfo } from './writer';

/** Derived (negative) block ids move here, above any id a real trace uses. */
const DERIVED_ID_BASE = 2 ** 45;

export class MooncakeWriter implements RecordWriter {
  readonly warnings = new Set<string>();
  private readonly timeline = new Timeline();
  private blocks?: PromptBlocks;
  private reblock?: Reblocker;
  private prevAt = -Infinity;

  begin(info: WriterInfo): string[] {
    const bs = info.blockSize ?? MOONCAKE_BLOCK_SIZE;
    this.blocks = new PromptBlocks(bs);
    if (bs !== MOONCAKE_BLOCK_SIZE) {
      if (MOONCAKE_BLOCK_SIZE % bs === 0) {
        this.reblock = new Reblocker(bs, MOONCAKE_BLOCK_SIZE);
        this.warnings.add(`hash_ids regrouped from ${bs}-token blocks into Mooncake's 512-token blocks`);
      } else {
        this.warnings.add(`hash_ids kept in ${bs}-token blocks: tell the consumer the block size (aiperf --isl-block-size ${bs})`);
      }
    }
    return [];
  }

  write(r: TurnRecord): string[] {
    const times = this.timeline.next(r);
    if (times.estimatedStart) this.warnings.add('closed-loop turns written at estimated times (previous turn end from the latency model + recorded wait)');
    const at = Math.round(times.startMs * 1000) / 1000;
    if (at < this.prevAt) this.warnings.add('rows are not in time order (as in the input); sort them if the consumer needs it');
    this.prevAt = at;
    const row: Record<string, unknown> = { timestamp: at, input_length: r.turn.inputTokens, output_length: r.turn.outputTokens };
    const ids = this.blocks!.of(r)?.prompt.map((id) => (id < 0 ? DERIVED_ID_BASE - id : id));
    if (this.reblock) row.hash_ids = this.reblock.convert(ids, r.turn.inputTokens);
    else if (ids) row.hash_ids = ids;
    return [JSON.stringify(row)];
  }

  end(): string[] {
    return [];
  }
}
