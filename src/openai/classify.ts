// Classifying an OpenAI-compatible stream chunk without JSON.parse (the kinds of
// src/openai/chunk-kinds.ts). A plain token chunk is by far the most common event and only its
// arrival time matters, so it is recognised by its keys in the raw text: in JSON text an
// unescaped quote only occurs at string boundaries, so `"key":` matches real keys only. Anything
// that does not look like a plain chunk is marked for the full JSON path, so the result is
// always the same as parsing (test/unit/engine/classify.test.ts checks this on many shapes and
// on every server's real chunks, test/unit/classify-flavors.test.ts).
//
// The rule (the native core mirrors it; keep the two in step):
//   plain token chunk  =  starts with `{`
//                     AND ends with a complete tail (below)
//                     AND carries no error, non-null usage, non-empty tool_calls, non-null
//                         finish_reason, or choice index >= 1
//                     AND has exactly one kind of generated text: `content`/`text` (a token) or
//                         `reasoning_content`/`reasoning` (a reasoning token), not both.
// Complete tails, as each server serialises the end of a token chunk:
//   - a null choice field closing the choices array and the object, optionally followed by one
//     null top-level field:  `"<F>":null}]}`  or  `"<F>":null}],"<T>":null}`  with
//     F in finish_reason | stop_reason | matched_stop | token_ids | weight_versions and
//     T in usage | kv_transfer_params
//       vLLM 0.34 chat:         …"finish_reason":null,"token_ids":null}],"kv_transfer_params":null}
//       vLLM 0.34 completions:  …"token_ids":null,"weight_versions":null}],"kv_transfer_params":null}
//       SGLang 0.5 chat:        …"finish_reason":null,"matched_stop":null}]}
//       SGLang 0.5 completions: …"matched_stop":null}],"usage":null}
//       older vLLM:             …"finish_reason":null}]}  /  …"stop_reason":null}]}
//   - llama.cpp's top-level `"object"` last, or `"object"` then the id (its completions):
//       …"object":"chat.completion.chunk"}   …"object":"text_completion","id":"cmpl-…"}
// A stream cut inside an event cannot end with one of these unless the object is whole, so a
// truncated chunk always goes to the JSON path and is reported as malformed there.

import { CHUNK } from './chunk-kinds';

/** The first key carrying generated text with a non-empty string value. */
const TOKEN_KEY = /"(content|reasoning_content|reasoning|text)":"(?!")/;
/** Non-empty text of the other kind after the first one (searched from lastIndex, no copy). */
const OUTPUT_AFTER = /"(?:content|text)":"(?!")/g;
const REASONING_AFTER = /"(?:reasoning_content|reasoning)":"(?!")/g;

function foundAfter(re: RegExp, data: string, from: number): boolean {
  re.lastIndex = from;
  return re.test(data);
}

const CLOSE_TAILS = ['}]}', '}],"usage":null}', '}],"kv_transfer_params":null}'];
const NULL_CHOICE_FIELDS = ['"finish_reason":null', '"stop_reason":null', '"matched_stop":null', '"token_ids":null', '"weight_versions":null'];
const OBJECT_TAILS = ['"object":"chat.completion.chunk"', '"object":"text_completion"'];
const ID_KEY = ',"id":"';

function isIdChar(c: number): boolean {
  // [A-Za-z0-9_-]: the characters of the ids servers generate (no quote, no backslash).
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

/** `"<F>":null}]}` or `"<F>":null}],"<T>":null}` at the end (vLLM, SGLang). */
function endsWithNullChoiceTail(data: string): boolean {
  for (const close of CLOSE_TAILS) {
    if (!data.endsWith(close)) continue;
    const end = data.length - close.length;
    for (const f of NULL_CHOICE_FIELDS) if (data.startsWith(f, end - f.length)) return true;
  }
  return false;
}

/** `"object":"…"}` or `"object":"…","id":"<id>"}` at the end (llama.cpp). */
function endsWithObjectTail(data: string): boolean {
  const n = data.length;
  if (data.charCodeAt(n - 1) !== 125 /* } */ || data.charCodeAt(n - 2) !== 34 /* " */) return false;
  let end = n - 1;
  for (const t of OBJECT_TAILS) if (data.startsWith(t, end - t.length)) return true;
  // The id form: walk back over the id's characters to its opening quote.
  let i = n - 3;
  while (i >= 0 && isIdChar(data.charCodeAt(i))) i--;
  end = i + 1 - ID_KEY.length;
  if (i < 0 || !data.startsWith(ID_KEY, end)) return false;
  for (const t of OBJECT_TAILS) if (data.startsWith(t, end - t.length)) return true;
  return false;
}

function endsComplete(data: string): boolean {
  return endsWithNullChoiceTail(data) || endsWithObjectTail(data);
}

/** Keys that make a chunk more than a plain token: errors, usage, tool calls, finish, other choices. */
const NOT_PLAIN = /"error":|"usage":(?!null)|"tool_calls":(?!null|\[\])|"finish_reason":(?!null)|"index":[1-9]/;

/** Kind flags of one SSE event's data. */
export function classifyChunk(data: string): number {
  if (data === '[DONE]') return CHUNK.done;
  const n = data.length;
  if (n < 2 || data.charCodeAt(0) !== 123 /* { */) return data.trimStart().startsWith('{') ? CHUNK.parseInJs : CHUNK.malformed;
  if (!endsComplete(data) || NOT_PLAIN.test(data)) return CHUNK.parseInJs;
  const m = TOKEN_KEY.exec(data);
  if (m === null) return 0;
  const after = m.index + m[0].length;
  // Both kinds of text in one chunk (rare) are left to the JSON path, which counts both.
  if (m[1] === 'content' || m[1] === 'text') return foundAfter(REASONING_AFTER, data, after) ? CHUNK.parseInJs : CHUNK.token;
  return foundAfter(OUTPUT_AFTER, data, after) ? CHUNK.parseInJs : CHUNK.token | CHUNK.reasoning;
}
