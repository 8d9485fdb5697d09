// Streams the elements of a top-level JSON array (ShareGPT's 600 MB file is one array) without
// holding the whole document: a small scanner tracks nesting and strings across chunks and
// hands each complete element's text to JSON.parse.

import { TraceError } from '../errors';

export interface ArrayElement {
  text: string;
  /** Line where the element starts. */
  line: number;
}

export function* jsonArrayElements(chunks: Iterable<string>, file: string): Generator<ArrayElement> {
  type State = 'before' | 'between' | 'inside' | 'done';
  let state: State = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let startLine = 1;
  let parts: string[] = [];
  for (const chunk of chunks) {
    let elementStart = 0; // where the current element's text starts in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      if (state === 'inside') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92) escaped = true; // backslash
          else if (c === 34) inString = false;
          continue;
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          if (depth === 0) {
            // the array's own closing bracket right after an element
            parts.push(chunk.slice(elementStart, i));
            yield { text: parts.join(''), line: startLine };
            parts = [];
            state = 'done';
            continue;
          }
          depth--;
        } else if (c === 44 && depth === 0) {
          parts.push(chunk.slice(elementStart, i));
          yield { text: parts.join(''), line: startLine };
          parts = [];
          state = 'between';
        }
        continue;
      }
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) continue;
      if (state === 'before') {
        if (c !== 91) throw new TraceError(file, line, undefined, 'expected a JSON array ("[")');
        state = 'between';
      } else if (state === 'between') {
        if (c === 93) state = 'done';
        else {
          state = 'inside';
          depth = 0;
          startLine = line;
          elementStart = i;
          i--; // rescan this character as part of the element
        }
      } else if (state === 'done') {
        throw new TraceError(file, line, undefined, 'unexpected text after the end of the JSON array');
      }
    }
    if (state === 'inside') parts.push(chunk.slice(elementStart));
  }
  // (cast: TypeScript cannot see the assignments made between yields)
  if ((state as State) !== 'done') throw new TraceError(file, line, undefined, 'the JSON array is not closed (file cut short?)');
}
