import { describe, expect, it } from 'vitest';
import { stepTimeMs } from '../../src/sim/cost-model.js';
import { Scheduler, type SchedulerConfig, Seq, type SeqSink, type StepPlan } from '../../src/sim/scheduler.js';

const cost = { stepBaseMs: 10, prefillTokenMs: 0.1, decodeSeqMs: 0.5, contextTokenMs: 0.001 };
const cfg = (over: Partial<SchedulerConfig> = {}): SchedulerConfig => ({
  maxNumSeqs: 64,
  maxNumBatchedTokens: 512,
  blockSize: 16,
  kvBlocks: 1024,
  prefixCaching: true,
  chunkedPrefill: true,
  preemption: 'recompute',
  cost,
  ...over,
});

interface Rec {
  tokens: number[]; // due times
  admitted: boolean;
  preempted: number;
}

function mkSeq(prompt: number[], max: number): { seq: Seq; rec: Rec } {
  const rec: Rec = { tokens: [], admitted: false, preempted: 0 };
  const sink: SeqSink = {
    admitted: () => void (rec.admitted = true),
    token: (_s, i, due) => {
      expect(i).toBe(rec.tokens.length);
      rec.tokens.push(due);
    },
    preempted: () => void rec.preempted++,
  };
  return { seq: new Seq(prompt, max, sink), rec };
}

const words = (tag: number, n: number): number[] => Array.from({ length: n }, (_, i) => (tag * 1_000_003 + i) >>> 0);

/** Runs the scheduler to completion on a virtual clock; returns the plans. Bounded. */
function run(s: Scheduler, t0 = 0, maxSteps = 100_000): { plans: StepPlan[]; end: number } {
  const plans: StepPlan[] = [];
  let t = t0;
  for (let n = 0; n < maxSteps; n++) {
    if (!s.hasWork(t)) {
      const wake = s.nextWakeMs();
      if (wake === undefined) return { plans, end: t };
      t = wake;
      continue;
    }
    const plan = s.schedule(t);
    if (plan.items.length === 0) {
      const wake = s.nextWakeMs();
      if (wake === undefined) throw new Error('stuck: work but nothing schedulable');
      t = wake;
      continue;
    }
    plans.push(plan);
    t += plan.durationMs;
    s.complete(plan, t);
  }
  throw new Error('did not finish');
}

describe('cost model', () => {
  it('is the documented linear formula', () => {
    expect(stepTimeMs(cost, { prefillTokens: 100, decodeSeqs: 4, contextTokens: 1000 })).toBeCloseTo(10 + 10 + 2 + 1, 9);
  });
});

describe('Scheduler', () => {
  it('chunks a long prompt within max_num_batched_tokens and emits the first token after the last chunk', () => {
    const s = new Scheduler(cfg({ maxNumBatchedTokens: 100 }));
    const { seq, rec } = mkSeq(words(1, 250), 3);
    s.add(seq);
    const { plans } = run(s);
    expect(plans.map((p) => p.prefillTokens)).toEqual([100, 100, 50, 0, 0]);
    expect(plans.map((p) => p.decodeSeqs)).toEqual([0, 0, 0, 1, 1]);
    expect(rec.tokens).toHaveLength(3);
    // TTFT = the three prefill steps.
    const prefill = plans.slice(0, 3).reduce((a, p) => a + p.durationMs, 0);
    expect(rec.tokens[0]).toBeCloseTo(prefill, 9);
    for (const p of plans) expect(p.prefillTokens + p.decodeSeqs).toBeLessThanOrEqual(100);
  });

  it('packs decodes first, then a prefill chunk into the remaining budget', () => {
    const s = new Scheduler(cfg({ maxNumBatchedTokens: 64 }));
    const a = mkSeq(words(1, 10), 50);
    s.add(a.seq);
    let t = 0;
    for (let i = 0; i < 3; i++) {
      const p = s.schedule(t);
      t += p.durationMs;
      s.complete(p, t);
    }
    const b = mkSeq(words(2, 200), 5);
    s.add(b.seq);
    const p = s.schedule(t);
    expect(p.decodeSeqs).toBe(1);
    expect(p.prefillTokens).toBe(63);
    expect(p.items.map((i) => i.numNew)).toEqual([1, 63]);
  });

  it('TTFT grows with the uncached prompt length', () => {
    const ttft = (n: number): number => {
      const s = new Scheduler(cfg());
      const { seq, rec } = mkSeq(words(n, n), 1);
      s.add(seq);
      run(s);
      return rec.tokens[0];
    };
    const t = [16, 256, 1024, 4096].map(ttft);
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]);
  });

  it('decode step time grows with batch size', () => {
    const stepAt = (batch: number): number => {
      const s = new Scheduler(cfg());
      for (let i = 0; i < batch; i++) s.add(mkSeq(words(i + 1, 32), 20).seq);
      let t = 0;
      let plan = s.schedule(t);
      // Step until everyone decodes.
      for (let n = 0; n < 50 && plan.decodeSeqs < batch; n++) {
        t += plan.durationMs;
        s.complete(plan, t);
        plan = s.schedule(t);
      }
      expect(plan.decodeSeqs).toBe(batch);
      return plan.durationMs;
    };
    const d = [1, 4, 16, 64].map(stepAt);
    for (let i = 1; i < d.length; i++) expect(d[i]).toBeGreaterThan(d[i - 1]);
  });

  it('max_num_seqs caps the running set; the rest wait FCFS', () => {
    const s = new Scheduler(cfg({ maxNumSeqs: 2 }));
    const recs = [1, 2, 3, 4].map((i) => mkSeq(words(i, 20), 4));
    for (const r of recs) s.add(r.seq);
    s.schedule(0);
    expect(s.runningCount).toBe(2);
    expect(s.waitingCount).toBe(2);
    run(s);
    const firsts = recs.map((r) => r.rec.tokens[0]);
    expect(firsts[0]).toBeLessThanOrEqual(firsts[1]);
    expect(firsts[2]).toBeGreaterThan(firsts[1]);
    expect(firsts[3]).toBeGreaterThanOrEqual(firsts[2]);
  });

  it('KV capacity limits admission: a request waits until blocks free up', () => {
    // 10 blocks of 16 = 160 tokens: one 100-token prompt + 20 output fits, two do not.
    const s = new Scheduler(cfg({ kvBlocks: 10, preemption: 'reserve' }));
    const a = mkSeq(words(1, 100), 20);
    const b = mkSeq(words(2, 100), 20);
    s.add(a.seq);
    s.add(b.seq);
    s.schedule(0);
    expect(s.runningCount).toBe(1);
    expect(s.waitingCount).toBe(1);
    run(s);
    expect(b.rec.tokens[0]).toBeGreaterThan(a.rec.tokens[19]);
    expect(s.stats.preemptions).toBe(0);
  });

  it('preempts the newest sequence (recompute) when decode runs out of blocks, and still finishes everything', () => {
    const s = new Scheduler(cfg({ kvBlocks: 12 }));
    const recs = [1, 2, 3].map((i) => mkSeq(words(i, 48), 40));
    for (const r of recs) s.add(r.seq);
    run(s);
    expect(s.stats.preemptions).toBeGreaterThan(0);
    for (const r of recs) expect(r.rec.tokens).toHaveLength(40);
    expect(recs.reduce((a, r) => a + r.rec.preempted, 0)).toBe(s.stats.preemptions);
    expect(s.kv.freeBlocks).toBe(12);
  });

  it('reports cached tokens as full blocks only and never the whole prompt', () => {
    const s = new Scheduler(cfg());
    const p = words(7, 64); // exactly 4 blocks
    const a = mkSeq(p, 2);
    s.add(a.seq);
    run(s);
    expect(a.seq.cachedTokens).toBe(0);
    const b = mkSeq(p, 2);
    s.add(b.seq);
    run(s);
    expect(b.seq.cachedTokens).toBe(48); // the last block is recomputed (last token)
    const c = mkSeq([...p, ...words(8, 10)], 2);
    s.add(c.seq);
    run(s);
    expect(c.seq.cachedTokens).toBe(64);
    expect(s.stats.prefixQueries).toBe(64 + 64 + 74);
    expect(s.stats.prefixHits).toBe(48 + 64);
  });

  it('a cached prefix makes TTFT shorter', () => {
    const s = new Scheduler(cfg());
    const p = words(9, 2000);
    const a = mkSeq(p, 1);
    s.add(a.seq);
    const r1 = run(s);
    const b = mkSeq(p, 1);
    s.add(b.seq);
    run(s, r1.end);
    expect(b.rec.tokens[0] - r1.end).toBeLessThan(a.rec.tokens[0] / 4);
  });

  it('hit counts equal an offline longest-prefix computation over block ids (sequential, ample KV)', () => {
    const bs = 16;
    const s = new Scheduler(cfg({ blockSize: bs }));
    // Prompts built from 32-token "hash blocks" (2 sim blocks each), with shared prefixes.
    const block = (id: number): number[] => words(1000 + id, 32);
    const traces = [[1, 2, 3], [1, 2, 4], [1, 2, 3, 5], [6], [1, 7], [1, 2, 3, 5, 8]];
    const seen = new Set<string>();
    let expected = 0;
    for (const ids of traces) {
      const prompt = ids.flatMap(block);
      // Offline: sim blocks are halves of hash blocks; a hit needs the whole prefix seen before,
      // capped at floor((n-1)/bs) blocks.
      const eligible = Math.floor((prompt.length - 1) / bs);
      let hit = 0;
      for (let k = 1; k <= eligible; k++) {
        const key = `${ids.slice(0, Math.ceil(k / 2)).join(',')}#${k}`;
        if (!seen.has(key)) break;
        hit = k;
      }
      for (let k = 1; k <= prompt.length / bs; k++) seen.add(`${ids.slice(0, Math.ceil(k / 2)).join(',')}#${k}`);
      expected += hit * bs;
      const { seq } = mkSeq(prompt, 1);
      s.add(seq);
      run(s);
      expect(seq.cachedTokens).toBe(hit * bs);
    }
    expect(s.stats.prefixHits).toBe(expected);
    expect(expected).toBeGreaterThan(0);
  });

  it('abort frees the KV of a running sequence and drops a waiting one', () => {
    const s = new Scheduler(cfg({ maxNumSeqs: 1 }));
    const a = mkSeq(words(1, 40), 10);
    const b = mkSeq(words(2, 40), 10);
    s.add(a.seq);
    s.add(b.seq);
    const p = s.schedule(0);
    s.complete(p, p.durationMs);
    expect(s.kv.freeBlocks).toBeLessThan(1024);
    s.abort(a.seq);
    s.abort(b.seq);
    expect(s.kv.freeBlocks).toBe(1024);
    expect(s.runningCount).toBe(0);
    expect(s.waitingCount).toBe(0);
    expect(s.hasWork(0)).toBe(false);
  });

  it('a paused (stalled) sequence skips steps until its pause ends', () => {
    const s = new Scheduler(cfg());
    const { seq, rec } = mkSeq(words(1, 16), 6);
    seq.pauseAfter = 3;
    seq.pauseMs = 1000;
    s.add(seq);
    run(s);
    const gaps = rec.tokens.slice(1).map((t, i) => t - rec.tokens[i]);
    expect(gaps[2]).toBeGreaterThan(1000);
    for (const i of [0, 1, 3, 4]) expect(gaps[i]).toBeLessThan(100);
  });

  it('rejects sequences that could never fit', () => {
    const s = new Scheduler(cfg({ kvBlocks: 4 }));
    expect(s.rejectReason(60, 4)).toBeUndefined();
    expect(s.rejectReason(60, 5)).toMatch(/needs 5 KV blocks/);
    expect(() => s.add(mkSeq(words(1, 100), 1).seq)).toThrow(/KV blocks/);
  });
});
