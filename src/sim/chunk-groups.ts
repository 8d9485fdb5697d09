// --tokens-per-chunk K: which generated tokens travel together in one streamed chunk, as a
// server with speculative decoding (or any multi-token step) sends them. Tokens of a choice are
// held back until K are ready, or until a token that must end its chunk (the last one, the
// last reasoning token) arrives; the chunk then carries them all at once.

export interface ChunkGroup {
  /** Index of the group's first token; the group runs to the token that closed it. */
  first: number;
  count: number;
}

export class ChunkGroups {
  /** Per choice: the first held token's index and how many are held. */
  private readonly held = new Map<number, ChunkGroup>();

  constructor(readonly tokensPerChunk: number) {}

  /** Adds output token `index` of `choice`; returns the group to send now, or undefined to hold it. */
  add(choice: number, index: number, mustClose: boolean): ChunkGroup | undefined {
    if (this.tokensPerChunk <= 1) return { first: index, count: 1 };
    const g = this.held.get(choice) ?? { first: index, count: 0 };
    g.count++;
    if (g.count < this.tokensPerChunk && !mustClose) {
      this.held.set(choice, g);
      return undefined;
    }
    this.held.delete(choice);
    return g;
  }
}
