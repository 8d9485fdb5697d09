// Growing-context prompts for sessions whose turns carry their whole prompt as block ids
// (kv-cache-tester hash_ids: one id per 64-token block of the whole input, each turn's list
// extending the previous one's). Every block id becomes the same text wherever it recurs, so
// the server's prefix cache sees exactly the reuse the trace recorded, as in the open-loop
// replay (src/prompt/hashblock.ts: same block words, same trimming, same filler).
//
// Two things differ from one-shot prompts:
// - salts per position: the first `warmBlocks` positions of every prompt use a salt shared by all
//   sessions of the same model (the warm system + tool prefix); the rest use the session's salt,
//   so sessions (or two replays of one trace) share nothing else unless asked to;
// - incremental: an agent keeps the text of its previous prompt's blocks, so a turn that adds 50
//   blocks to a 2,500-block context builds 50 blocks, not 2,550.

import { blockText, buildPrompt, BlockTextCache, type Vocabulary } from '../prompt/hashblock';

export interface SaltOptions {
  /** Per-run salt (-e SALT). */
  salt: string;
  /** Give every replayed session its own text (no cache sharing between sessions). */
  uniquePerSession: boolean;
  /** Block ids are scoped per trace file (kv-cache-tester `hash_id_scope: local`). */
  scopePerFile: boolean;
}

/** Salt of a session's own blocks: run salt, trace file (ids are file-local), and the draw when unique. */
export function sessionSalt(o: SaltOptions, file: number, draw: number): string {
  let s = o.salt;
  if (o.scopePerFile) s += `|f${file}`;
  if (o.uniquePerSession) s += `|s${draw}`;
  return s;
}

/** Salt of the warm prefix: shared by every session of the same model. */
export function warmSalt(salt: string, model: string | undefined): string {
  return `${salt}|warm|${model ?? ''}`;
}

/** Whole blocks of the warm prefix: `tokens` (or `fraction` of the agent's system + tool tokens). */
export function warmBlockCount(blockSize: number, o: { tokens?: number; fraction: number }, prefixTokens: number | undefined): number {
  const tokens = o.tokens ?? (prefixTokens !== undefined ? prefixTokens * o.fraction : 0);
  return Math.max(0, Math.floor(tokens / blockSize));
}

export interface BlockPromptOptions {
  vocab: Vocabulary;
  blockSize: number;
  sessionSalt: string;
  warmSalt: string;
  warmBlocks: number;
  /** Shared by the agents of a VU: warm blocks recur in every session. */
  warmCache?: BlockTextCache;
}

export class BlockPrompt {
  private ids: number[] = [];
  /** Text of the leading blocks of `ids` built so far (position i -> block i's words joined). */
  private texts: string[] = [];

  constructor(private readonly o: BlockPromptOptions) {}

  /** Text of the block at `position` (the first `take` words): warm salt inside the warm prefix. */
  private text(position: number, id: number, take = this.o.blockSize): string {
    const { vocab, blockSize, warmBlocks } = this.o;
    if (position >= warmBlocks) return blockText(vocab, id, blockSize, this.o.sessionSalt, take);
    const salt = this.o.warmSalt;
    if (take < blockSize || !this.o.warmCache) return blockText(vocab, id, blockSize, salt, take);
    return this.o.warmCache.get(`${salt}\u0000${id}`, () => blockText(vocab, id, blockSize, salt));
  }

  /**
   * The next turn's prompt: its ids are the first `keep` of the previous turn's, then `add`;
   * exactly `tokens` words (the last block trimmed, unique filler past the ids).
   */
  next(keep: number, add: readonly number[], tokens: number, fillerKey: string): string {
    const bs = this.o.blockSize;
    if (keep > this.ids.length) throw new Error(`turn keeps ${keep} blocks of a ${this.ids.length}-block context`);
    this.ids.length = keep;
    if (this.texts.length > keep) this.texts.length = keep;
    for (const id of add) this.ids.push(id);
    const full = Math.min(this.ids.length, Math.floor(tokens / bs));
    for (let i = this.texts.length; i < full; i++) this.texts.push(this.text(i, this.ids[i]));
    const parts = this.texts.slice(0, full);
    let rest = tokens - full * bs;
    if (rest > 0 && full < this.ids.length) {
      parts.push(this.text(full, this.ids[full], rest));
      rest = 0;
    }
    if (rest > 0) parts.push(buildPrompt(this.o.vocab, { blocks: [], blockSize: bs, tokens: rest, salt: this.o.sessionSalt, uniqueKey: fillerKey }));
    return parts.join(' ');
  }
}
