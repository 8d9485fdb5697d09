// Canonical JSONL output: a session's consecutive turns go on one line; a session whose turns
// are interleaved with others' continues on later lines (`firstTurn`), which keeps memory
// bounded however the input interleaves sessions.

import { canonicalHeaderLine, canonicalSessionLine } from '../formats/canonical';
import type { Turn } from '../model';
import type { SessionHead, TurnRecord } from '../records';
import type { RecordWriter, WriterInfo } from './writer';

const MAX_TURNS_PER_LINE = 1000;

export class CanonicalWriter implements RecordWriter {
  readonly warnings = new Set<string>();
  private head?: SessionHead;
  private firstTurn = 0;
  private turns: Turn[] = [];

  begin(info: WriterInfo): string[] {
    return [canonicalHeaderLine({ format: info.format, blockSize: info.blockSize, source: info.source })];
  }

  write(r: TurnRecord): string[] {
    const out = this.head && (this.head !== r.session || this.turns.length >= MAX_TURNS_PER_LINE) ? this.flush() : [];
    if (this.turns.length === 0) {
      this.head = r.session;
      this.firstTurn = r.turnIndex;
    }
    this.turns.push(r.turn);
    return out;
  }

  end(): string[] {
    return this.flush();
  }

  private flush(): string[] {
    if (!this.head || this.turns.length === 0) return [];
    const line = canonicalSessionLine(this.head, this.turns, this.firstTurn);
    this.turns = [];
    return [line];
  }
}
