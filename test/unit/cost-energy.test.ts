import { describe, expect, it } from 'vitest';
import { clientSplit, costOf, engineSplit, engineTimes } from '../../src/metrics/cost';
import { energyOf, parseDcgm } from '../../src/observe/dcgm';
import { DEFAULT_POWER, powerOf, SimGpuTelemetry } from '../../src/sim/dcgm';

describe('cost', () => {
  it('price x duration, split by prefill/decode time, per million tokens, request and session', () => {
    const c = costOf({ costPerHourUsd: 3.6, durationS: 100, inputTokens: 1_000_000, outputTokens: 100_000, requests: 50, sessions: 5, split: { source: 'engine', prefillS: 25, decodeS: 75 } });
    expect(c.totalUsd).toBeCloseTo(0.1, 12);
    expect(c.prefillShare).toBeCloseTo(0.25, 12);
    expect(c.perMillionInputTokensUsd).toBeCloseTo(0.025, 12);
    expect(c.perMillionOutputTokensUsd).toBeCloseTo(0.75, 12);
    expect(c.perMillionTokensUsd).toBeCloseTo(0.1 / 1.1, 12);
    expect(c.perRequestUsd).toBeCloseTo(0.002, 12);
    expect(c.perSessionUsd).toBeCloseTo(0.02, 12);
  });

  it("reads vLLM's prefill/decode time sums, and their increase over a run", () => {
    const text = (p: number, d: number) => `# x\nvllm:request_prefill_time_seconds_sum{engine="0",model_name="m"} ${p}\nvllm:request_decode_time_seconds_sum{engine="0",model_name="m"} ${d}\n`;
    expect(engineTimes(text(1, 2))).toEqual({ prefillS: 1, decodeS: 2 });
    expect(engineTimes('other 1\n')).toBeNull();
    expect(engineSplit(engineTimes(text(1, 2)), engineTimes(text(3, 10)))).toEqual({ source: 'engine', prefillS: 2, decodeS: 8 });
    // A restart between the reads: no split from the engine.
    expect(engineSplit(engineTimes(text(5, 5)), engineTimes(text(1, 1)))).toBeNull();
    expect(clientSplit(1000, 5000)).toEqual({ source: 'client', prefillS: 1, decodeS: 4 });
    expect(clientSplit(undefined, 5000).source).toBe('none');
  });
});

describe('GPU energy from DCGM series', () => {
  const text = (w0: number, w1: number, e0: number, e1: number) => [
    `DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a"} ${w0}`, `DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-b"} ${w1}`,
    `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-a"} ${e0}`, `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="1",UUID="GPU-b"} ${e1}`,
  ].join('\n');

  it('energy = the counters\' increase summed over GPUs; per token and per joule', () => {
    const a = parseDcgm(text(100, 200, 1_000_000, 2_000_000), 0)!;
    const b = parseDcgm(text(300, 300, 1_500_000, 3_000_000), 10_000)!;
    expect(a.powerW.size).toBe(2);
    const e = energyOf([a, b], { input: 1000, output: 500 }, 'x')!;
    expect(e.method).toBe('energy-counter');
    expect(e.gpus).toBe(2);
    expect(e.energyJ).toBeCloseTo(1500, 9);
    expect(e.meanPowerW).toBeCloseTo(150, 9);
    expect(e.maxPowerW).toBe(600);
    expect(e.joulesPerOutputToken).toBeCloseTo(3, 9);
    expect(e.tokensPerJoule).toBeCloseTo(1, 9);
  });

  it('without the energy counter: power integrated over time; no readings, no block', () => {
    const p = (w: number, t: number) => parseDcgm(`DCGM_FI_DEV_POWER_USAGE{gpu="0"} ${w}`, t)!;
    const e = energyOf([p(100, 0), p(300, 2000), p(300, 4000)], { input: 0, output: 100 }, 'x')!;
    expect(e.method).toBe('power-integral');
    expect(e.energyJ).toBeCloseTo(400 + 600, 9);
    expect(energyOf([p(100, 0)], { input: 0, output: 1 }, 'x')).toBeNull();
    expect(parseDcgm('vllm:num_requests_running 3\n', 0)).toBeNull();
  });

  it("the simulator's power model rises with the batch and its counter integrates it", () => {
    expect(powerOf(DEFAULT_POWER, 0, 32)).toBe(DEFAULT_POWER.idleW);
    expect(powerOf(DEFAULT_POWER, 32, 32)).toBe(DEFAULT_POWER.maxW);
    expect(powerOf(DEFAULT_POWER, 4, 32)).toBeGreaterThan(powerOf(DEFAULT_POWER, 1, 32));
    let running = 0;
    const sim = new SimGpuTelemetry(() => ({ running, maxSeqs: 32 }));
    try {
      const t0 = Date.now();
      sim.sample(t0);
      running = 32;
      sim.sample(t0 + 1000); // the last second at idle power; max from now
      sim.sample(t0 + 2000);
      const r = parseDcgm(sim.render(), 0)!;
      expect(r.powerW.get('0')).toBe(DEFAULT_POWER.maxW);
      // 60 J idle + 350 J busy.
      expect(r.energyMj.get('0')! / 1000).toBeGreaterThanOrEqual(DEFAULT_POWER.idleW + DEFAULT_POWER.maxW - 1);
    } finally {
      sim.stop();
    }
  });
});
