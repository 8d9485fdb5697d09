// The text of a run of output tokens as every endpoint streams it: words, or, when the output is
// a tool call, the fragments of its JSON arguments (`{"text":"<words>"}`, opened by the first
// non-reasoning token and closed by the last token of the request).

import { tokenText } from '../sse.js';
import { outputWord } from '../scheduler.js';

/** Output tokens i .. i+count-1 of `total`; `firstOutput` = the first non-reasoning token. */
export function outputText(i: number, count: number, total: number, tool: boolean, firstOutput: number): string {
  let s = '';
  for (let x = i; x < i + count; x++) {
    if (!tool) s += tokenText(x);
    else {
      s += x === firstOutput ? '{"text":"' + outputWord(x) : tokenText(x);
      if (x === total - 1) s += '"}';
    }
  }
  return s;
}
