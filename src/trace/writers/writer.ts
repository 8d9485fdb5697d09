// Writers turn a record stream back into a file format, line by line, so `trace convert` and
// `trace slice` stream too. Fidelity losses are reported once each as warnings.

import type { TurnRecord } from '../records';

export interface WriterInfo {
  /** Format the records were read from. */
  format: string;
  blockSize?: number;
  source?: string;
}

export interface RecordWriter {
  /** Lines to write first (a header), if any. */
  begin(info: WriterInfo): string[];
  /** Lines for one record (possibly none until a later record or end()). */
  write(r: TurnRecord): string[];
  end(): string[];
  /** What the output cannot represent, said once each. */
  readonly warnings: Set<string>;
}
