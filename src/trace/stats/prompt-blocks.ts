// The prefix blocks of a request's whole prompt, for the cache model. Traces with per-request
// hash ids give them directly. Accumulating sessions (AIPerf, trie, ShareGPT) grow one
// conversation: its block i is the same content on every turn, so it gets one id per
// (session, i) -- taken from the first turn's own hash ids where the first turn covers it,
// which keeps prefixes shared across sessions (a common system prompt) visible. Only full
// blocks are cached, as servers do, and a turn leaves its reply's full blocks cached too
// (vLLM caches generated tokens' KV), which the next turn's history starts with.

import type { TurnRecord } from '../records';

const VIRTUAL_BLOCKS_PER_SESSION = 2 ** 20;

export class PromptBlocks {
  private readonly sessions = new Map<string, { num: number; firstBlocks?: number[]; firstTokens: number }>();

  constructor(private readonly blockSize: number) {}

  /**
   * Block ids of the prompt, and those the request leaves in the cache; undefined when the
   * trace says nothing about prefixes.
   */
  of(r: TurnRecord): { prompt: number[]; cached: number[] } | undefined {
    const { turn, session } = r;
    if (turn.blocks) return { prompt: turn.blocks, cached: turn.blocks };
    if (!session.accumulates) return undefined;
    let s = this.sessions.get(session.id);
    if (!s) {
      s = { num: this.sessions.size + 1, firstBlocks: turn.appendBlocks, firstTokens: turn.appendTokens ?? turn.inputTokens };
      this.sessions.set(session.id, s);
    }
    const fromFirst = s.firstBlocks ? Math.min(s.firstBlocks.length, Math.floor(s.firstTokens / this.blockSize)) : 0;
    const ids = (tokens: number) => {
      const out = new Array<number>(Math.floor(tokens / this.blockSize));
      // Negative ids never collide with a trace's own (non-negative) ids.
      for (let i = 0; i < out.length; i++) out[i] = i < fromFirst ? s!.firstBlocks![i] : -(s!.num * VIRTUAL_BLOCKS_PER_SESSION + i + 1);
      return out;
    };
    return { prompt: ids(turn.inputTokens), cached: ids(turn.inputTokens + turn.outputTokens) };
  }
}
