import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketUpperBound, NativeHistogram } from '../../../src/outputs/native-histogram';
import { labelsOf, promName, SeriesStore } from '../../../src/outputs/prometheus-series';
import { decodeWriteRequest, encodeWriteRequest, STALE_NAN, type TimeSeries } from '../../../src/outputs/remote-write-proto';
import type { Sample } from '../../../src/outputs/sample';
import { uncompress } from 'snappyjs';

const at = 1_700_000_000_000;
const s = (over: Partial<Sample>): Sample => ({ metric: 'llm_requests', type: 'counter', isTime: false, value: 1, timeUnixMs: at, tags: {}, ...over });
const nameOf = (ts: TimeSeries) => ts.labels.find((l) => l.name === '__name__')!.value;
const labelMap = (ts: TimeSeries) => Object.fromEntries(ts.labels.map((l) => [l.name, l.value]));

/** Expands spans + deltas back to index -> count. */
function buckets(spans: Array<{ offset?: number; length?: number }> = [], deltas: number[] = []): Map<number, number> {
  const out = new Map<number, number>();
  let idx = 0;
  let count = 0;
  let d = 0;
  spans.forEach((span, n) => {
    idx += (span.offset ?? 0) + (n === 0 ? 0 : 0);
    for (let i = 0; i < (span.length ?? 0); i++) {
      count += deltas[d++];
      if (count) out.set(idx, count);
      idx++;
    }
  });
  return out;
}

describe('k6 remote-write names', () => {
  it('counters _total, time trends _seconds, other trends bare, gauges bare, rates _rate', () => {
    expect(promName('llm_requests', 'counter', false)).toBe('k6_llm_requests_total');
    expect(promName('llm_ttft', 'trend', true)).toBe('k6_llm_ttft_seconds');
    expect(promName('llm_session_cache_hit_rate', 'trend', false)).toBe('k6_llm_session_cache_hit_rate');
    expect(promName('engine_ttft_mean', 'gauge', true)).toBe('k6_engine_ttft_mean');
    expect(promName('checks', 'rate', false)).toBe('k6_checks_rate');
    expect(promName('bad-name.x', 'gauge', false)).toBe('k6_bad_name_x');
  });

  it('labels are the tags, sorted, __name__ included, empty and reserved ones left out', () => {
    expect(labelsOf('k6_x', { run: 'r', model: 'm', engine: '', __bad: 'x', 'odd-key': 'v' })).toEqual([
      { name: '__name__', value: 'k6_x' }, { name: 'model', value: 'm' }, { name: 'odd_key', value: 'v' }, { name: 'run', value: 'r' },
    ]);
  });
});

describe('native histogram (schema 3, as client_golang with factor 1.1)', () => {
  it('bucket i holds (2^((i-1)/8), 2^(i/8)]', () => {
    expect(bucketIndex(1)).toBe(0);
    expect(bucketIndex(2)).toBe(8);
    expect(bucketIndex(0.5)).toBe(-8);
    expect(bucketIndex(1.0001)).toBe(1);
    for (const v of [0.0013, 0.02, 0.3, 0.95, 1.5, 7, 123.4, 9999]) {
      const i = bucketIndex(v);
      expect(bucketUpperBound(i - 1)).toBeLessThan(v);
      expect(bucketUpperBound(i)).toBeGreaterThanOrEqual(v * (1 - 1e-12));
    }
  });

  it('spans and deltas encode the counts; zeros and negatives are kept apart', () => {
    const h = new NativeHistogram();
    for (const v of [1, 1, 1.05, 2, 2, 2, 0, -0.5]) h.observe(v);
    const st = h.state();
    expect(st.count).toBe(8);
    expect(st.zeroCount).toBe(1);
    expect(st.sum).toBeCloseTo(8.55);
    expect([...buckets(st.positive.spans, st.positive.deltas)]).toEqual([[0, 2], [1, 1], [8, 3]]);
    expect(st.positive.spans).toEqual([{ offset: 0, length: 2 }, { offset: 6, length: 1 }]);
    expect(st.positive.deltas).toEqual([2, -1, 2]);
    expect([...buckets(st.negative.spans, st.negative.deltas)]).toEqual([[-8, 1]]);
  });
});

describe('remote-write encoding and cumulative state', () => {
  it('round-trips through protobuf + snappy: counters cumulative, histograms in seconds, gauges last', async () => {
    const store = new SeriesStore();
    store.add([
      s({ tags: { outcome: 'ok', run: 'r' } }), s({ tags: { outcome: 'ok', run: 'r' }, timeUnixMs: at + 5 }), s({ tags: { outcome: 'error', run: 'r' } }),
      s({ metric: 'llm_ttft', type: 'trend', isTime: true, value: 250, tags: { run: 'r' } }),
      s({ metric: 'llm_ttft', type: 'trend', isTime: true, value: 1000, tags: { run: 'r' }, timeUnixMs: at + 9.7 }),
      s({ metric: 'engine_kv_cache_usage', type: 'gauge', value: 0.2, tags: { engine: 'vllm' } }),
      s({ metric: 'engine_kv_cache_usage', type: 'gauge', value: 0.7, tags: { engine: 'vllm' }, timeUnixMs: at + 1 }),
    ]);
    const decoded = (await decodeWriteRequest(await encodeWriteRequest(store.takeChanged()))).timeseries;
    const byName = (n: string, label?: [string, string]) => decoded.find((t) => nameOf(t) === n && (!label || labelMap(t)[label[0]] === label[1]))!;

    const ok = byName('k6_llm_requests_total', ['outcome', 'ok']);
    expect(labelMap(ok)).toEqual({ __name__: 'k6_llm_requests_total', outcome: 'ok', run: 'r' });
    expect(ok.samples).toEqual([{ value: 2, timestamp: at + 5 }]);
    expect(byName('k6_llm_requests_total', ['outcome', 'error']).samples![0].value).toBe(1);
    expect(byName('k6_engine_kv_cache_usage').samples).toEqual([{ value: 0.7, timestamp: at + 1 }]);

    const h = byName('k6_llm_ttft_seconds').histograms![0];
    expect(h).toMatchObject({ count_int: 2, sum: 1.25, schema: 3, timestamp: at + 9 });
    expect([...buckets(h.positive_spans, h.positive_deltas)]).toEqual([[bucketIndex(0.25), 1], [0, 1]]);

    // Only what changed is sent again, cumulative, with a newer timestamp even at the same ms.
    expect(store.takeChanged()).toEqual([]);
    store.add([s({ tags: { outcome: 'ok', run: 'r' }, timeUnixMs: at + 5 })]);
    const again = (await decodeWriteRequest(await encodeWriteRequest(store.takeChanged()))).timeseries;
    expect(again.map(nameOf)).toEqual(['k6_llm_requests_total']);
    expect(again[0].samples).toEqual([{ value: 3, timestamp: at + 6 }]);
  });

  it('stale markers carry Prometheus\' exact StaleNaN bits after the last sample of each series', async () => {
    const store = new SeriesStore();
    store.add([s({ timeUnixMs: at + 100 }), s({ metric: 'llm_e2e', type: 'trend', isTime: true, value: 5 })]);
    store.takeChanged();
    const body = await encodeWriteRequest(store.markAllStale(STALE_NAN, at));
    const stale = (await decodeWriteRequest(body)).timeseries;
    expect(stale).toHaveLength(2);
    for (const t of stale) expect(t.samples![0].value).toBeNaN();
    // Bits as written (reading them back into a JS number may quiet the NaN): field 1, fixed64, 0x7ff0000000000002.
    const raw = Buffer.from(uncompress(body)).toString('hex');
    expect(raw.split('09020000000000f07f').length - 1).toBe(2);
    expect(stale.find((t) => nameOf(t) === 'k6_llm_requests_total')!.samples![0].timestamp).toBe(at + 101);
  });
});
