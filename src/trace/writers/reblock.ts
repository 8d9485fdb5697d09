// Re-expresses prefix-block ids in a bigger block size (kv-cache-tester's 64-token blocks as
// Mooncake's 512): a big block is identified by the big block before it and the small ids it
// holds, so equal prefixes keep equal ids and ids stay chained. Prompts longer than their
// blocks get fresh ids for the uncovered tail (unique content, as the prompt builder's filler).

export class Reblocker {
  private readonly ids = new Map<string, number>();
  private next = 0;

  constructor(
    readonly from: number,
    readonly to: number,
  ) {
    if (to % from !== 0) throw new Error(`cannot regroup ${from}-token blocks into ${to}-token blocks`);
  }

  /** ceil(inputTokens / to) ids for a prompt described by `blocks` of `from` tokens. */
  convert(blocks: readonly number[] | undefined, inputTokens: number): number[] {
    const per = this.to / this.from;
    const out: number[] = [];
    const wanted = Math.ceil(inputTokens / this.to);
    const small = blocks ?? [];
    for (let i = 0; i * per < small.length && out.length < wanted; i++) {
      const key = `${out.length ? out[out.length - 1] : -1}:${small.slice(i * per, (i + 1) * per).join(',')}`;
      let id = this.ids.get(key);
      if (id === undefined) this.ids.set(key, (id = this.next++));
      out.push(id);
    }
    while (out.length < wanted) out.push(this.next++);
    return out;
  }
}
