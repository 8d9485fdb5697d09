import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_KINDS, FaultSpecError, drawFault, faultKinds, parseFaultKinds, parseFaultSpec, resolvePos } from '../../src/sim/faults.js';

describe('fault specs', () => {
  it('parses every kind and normalises the spec', () => {
    expect(parseFaultSpec('status=429')).toMatchObject({ spec: 'status=429', status: 429 });
    expect(parseFaultSpec('status')).toMatchObject({ spec: 'status=500', status: 500 });
    expect(parseFaultSpec('stall=2000')).toMatchObject({ spec: 'stall=2000', stallMs: 2000, stallAfter: 'half' });
    expect(parseFaultSpec('stall=2000@5')).toMatchObject({ spec: 'stall=2000@5', stallMs: 2000, stallAfter: 5 });
    expect(parseFaultSpec('cut=10')).toMatchObject({ spec: 'cut=10', cutAfter: 10 });
    expect(parseFaultSpec('cut')).toMatchObject({ spec: 'cut', cutAfter: 'half' });
    expect(parseFaultSpec('reset=4')).toMatchObject({ spec: 'reset=4', cutAfter: 4, reset: true });
    expect(faultKinds(parseFaultSpec('reset'))).toEqual(['reset']);
    expect(parseFaultSpec('malformed=5')).toMatchObject({ malformedAfter: 5 });
    expect(parseFaultSpec('mid-error=0')).toMatchObject({ midErrorAfter: 0 });
    expect(parseFaultSpec('slow-first-byte=1500')).toMatchObject({ slowFirstByteMs: 1500 });
    const combo = parseFaultSpec(' Slow-First-Byte=10 ; cut=3 ');
    expect(combo.spec).toBe('slow-first-byte=10,cut=3');
    expect(faultKinds(combo)).toEqual(['cut', 'slow-first-byte']);
  });

  it('names the bad item', () => {
    expect(() => parseFaultSpec('status=200')).toThrow(/status: 200 is out of range 400..599/);
    expect(() => parseFaultSpec('status=abc')).toThrow(FaultSpecError);
    expect(() => parseFaultSpec('stall')).toThrow(/stall=MS/);
    expect(() => parseFaultSpec('cut=-1')).toThrow(/cut: expected a whole number/);
    expect(() => parseFaultSpec('boom=1')).toThrow(/unknown fault "boom"/);
    expect(() => parseFaultSpec(' , ')).toThrow(/empty/);
  });

  it('default kinds parse', () => {
    expect(parseFaultKinds(DEFAULT_FAULT_KINDS).length).toBe(8);
  });

  it('resolves "half" against the output length', () => {
    expect(resolvePos('half', 9)).toBe(4);
    expect(resolvePos(3, 9)).toBe(3);
    expect(resolvePos(undefined, 9)).toBeUndefined();
  });

  it('draws deterministically per (seed, id), at about the given rate, uniformly over kinds', () => {
    const kinds = parseFaultKinds('status=429,cut=1,stall=5');
    const ids = Array.from({ length: 20_000 }, (_, i) => `req-${i}`);
    const a = ids.map((id) => drawFault(3, id, 0.2, kinds)?.spec);
    const b = ids.map((id) => drawFault(3, id, 0.2, kinds)?.spec);
    expect(a).toEqual(b);
    const c = ids.map((id) => drawFault(4, id, 0.2, kinds)?.spec);
    expect(c).not.toEqual(a);
    const hit = a.filter(Boolean);
    expect(hit.length / ids.length).toBeGreaterThan(0.18);
    expect(hit.length / ids.length).toBeLessThan(0.22);
    for (const k of kinds) {
      const share = hit.filter((s) => s === k.spec).length / hit.length;
      expect(share).toBeGreaterThan(0.28);
      expect(share).toBeLessThan(0.39);
    }
    expect(drawFault(3, 'x', 0, kinds)).toBeUndefined();
    expect(drawFault(3, 'x', 1, kinds)).toBeDefined();
  });
});

describe('random fault draw', () => {
  it('faults close to the asked rate for every run id, with sequential request ids', () => {
    const kinds = parseFaultKinds('status=429,status=503');
    for (let run = 0; run < 10; run++) {
      const runId = `run-${1795453800000 + run * 7919}`;
      let faulted = 0;
      const byKind: Record<string, number> = {};
      for (let k = 0; k < 400; k++) {
        const f = drawFault(7, `${runId}-${k}`, 0.15, kinds);
        if (!f) continue;
        faulted++;
        byKind[String(f.status)] = (byKind[String(f.status)] ?? 0) + 1;
      }
      // Binomial(400, 0.15): mean 60, sd 7; the bounds are about 4 sd wide.
      expect(faulted, runId).toBeGreaterThan(30);
      expect(faulted, runId).toBeLessThan(90);
      expect(byKind['429'], runId).toBeGreaterThan(faulted / 5);
      expect(byKind['503'], runId).toBeGreaterThan(faulted / 5);
    }
  });
});
