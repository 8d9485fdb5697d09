// What the exchange asks of an endpoint's response writer: the events of a stream in order and
// the complete body of a non-streamed answer. Chat and completions (../sse.ts), Messages
// (messages-sse.ts) and Responses (responses-sse.ts) implement it; each precomputes what it can
// so a token event costs one string build.

import type { Usage } from '../sse.js';

export interface StreamBodies {
  /** Whether output token i is a reasoning token (a chunk group never spans the boundary). */
  isReasoning(i: number): boolean;
  /** Events before the first token (chat: the role chunk; Messages: message_start; '' when none). */
  opening(): string;
  /** The event(s) carrying output tokens i .. i+count-1 of choice `choice`. */
  tokenChunk(choice: number, i: number, total: number, last: boolean, count?: number, usage?: Usage): string;
  /** Whether the finish reason goes on its own event after the last token's (the flavor's or --separate-finish-chunk). */
  readonly separateFinish: boolean;
  /** The separate finish event (when separateFinish); `u` = the usage so far. */
  finishChunk(choice: number, u?: Usage): string;
  /** The end of a complete stream: usage and the terminating event(s). */
  closing(u: Usage, includeUsage: boolean): string;
  /** An event whose JSON is cut short (the malformed fault). */
  malformedChunk(choice: number, i: number): string;
  /** A mid-stream error event and whatever the server sends after it. */
  errorClose(message: string): string;
  /** The complete non-streamed response. `tokens[c]` = output tokens of choice c. */
  fullBody(tokens: number[], u: Usage, finishReason: string): string;
}
