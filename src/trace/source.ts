// Where trace text comes from: a sequence of string chunks (a whole string inside k6, a file
// read piece by piece in Node), cut into numbered lines on the fly so nothing needs the whole
// file in memory.

export interface SourceLine {
  /** The line without its end-of-line characters. */
  text: string;
  /** 1-based line number in the file. */
  line: number;
}

export interface TraceSource {
  /** File name, for messages and format detection. */
  file: string;
  /** The text in order; may be iterated again from the start (readers that replay cycles do). */
  chunks(): Iterable<string>;
}

/** A source over text already in memory (k6's open(), tests). */
export function textSource(text: string, file: string): TraceSource {
  return { file, chunks: () => [text] };
}

/** Numbered lines of a chunk sequence; '\r\n' and '\n' both end a line. */
export function* linesOf(chunks: Iterable<string>): Generator<SourceLine> {
  let carry = '';
  let line = 0;
  for (const chunk of chunks) {
    let text = carry === '' ? chunk : carry + chunk;
    if (line === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte order mark
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { text: text.slice(start, end), line: ++line };
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') yield { text: carry.endsWith('\r') ? carry.slice(0, -1) : carry, line: ++line };
}

/** The whole text of a source (for formats that are one JSON document). */
export function wholeText(src: TraceSource): string {
  let text = '';
  for (const c of src.chunks()) text += c;
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
