// AIPerf `mooncake_trace` JSONL output, so `aiperf profile --custom-dataset-type mooncake_trace`
// runs the same workload. Accumulating sessions map one to one (session_id, timestamp on the
// first turn, delay later, input_length = the appended tokens). AIPerf sessions always add the
// history, so self-contained multi-turn sessions (kv-cache-tester, BurstGPT) become timed rows
// without a session, and message sessions (LMCache) keep their full `messages` per row.

import type { TurnRecord } from '../records';
import { Timeline } from '../stats/timeline';
import type { RecordWriter, WriterInfo } from './writer';

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export class AiperfWriter implements RecordWriter {
  readonly warnings = new Set<string>();
  private readonly timeline = new Timeline();

  begin(info: WriterInfo): string[] {
    if (info.blockSize !== undefined && info.blockSize !== 512) this.warnings.add(`hash_ids are ${info.blockSize}-token blocks: run aiperf with --isl-block-size ${info.blockSize}`);
    return [];
  }

  write(r: TurnRecord): string[] {
    const { turn, session } = r;
    const times = this.timeline.next(r);
    const row: Record<string, unknown> = {};
    if (turn.payload) {
      row.session_id = session.id;
      row.payload = turn.payload;
    } else if (session.accumulates) {
      row.session_id = session.id;
      if (turn.messages) Object.assign(row, { messages: turn.messages, message_mode: 'delta' });
      else if (turn.text !== undefined) row.text_input = turn.text;
      else {
        row.input_length = turn.appendTokens ?? turn.inputTokens;
        if (turn.appendBlocks) row.hash_ids = turn.appendBlocks;
      }
    } else if (turn.messages) {
      row.session_id = session.id;
      row.messages = turn.messages;
      if (turn.tools) row.tools = turn.tools;
    } else {
      if (r.turnIndex > 0 || session.parentId !== undefined) {
        this.warnings.add('self-contained multi-turn sessions written as timed rows without session_id (AIPerf sessions would add the history again)');
      }
      row.input_length = turn.inputTokens;
      if (turn.blocks) row.hash_ids = turn.blocks;
    }
    if (row.session_id === undefined) {
      // A lone row: its own (possibly estimated) send time.
      if (times.estimatedStart) this.warnings.add('closed-loop turns written at estimated times');
      row.timestamp = round(times.startMs);
    } else if (r.turnIndex === 0) {
      // Sessions without recorded times (trie, ShareGPT) stay untimed: AIPerf runs them by concurrency.
      const at = turn.atMs ?? (session.startMs > 0 ? session.startMs : undefined);
      if (at !== undefined) row.timestamp = round(at);
    } else {
      row.delay = round(turn.delayMs ?? 0);
    }
    row.output_length = turn.outputTokens;
    if (turn.extra) row.extra = turn.extra;
    return [JSON.stringify(row)];
  }

  end(): string[] {
    return [];
  }
}
