// A minimal Prometheus registry rendering the text exposition format 0.0.4, the way Python's
// prometheus_client (which vLLM uses) does: counters declared as `name` with samples
// `name_total`, histograms as cumulative `_bucket{le}` + `_sum` + `_count`. Pure.

export type LabelValues = readonly string[];

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Number formatting as prometheus_client: integers get ".0", infinities "+Inf"/"-Inf". */
export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : String(v);
}

function labelText(names: readonly string[], values: LabelValues, extra?: [string, string]): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) parts.push(`${names[i]}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  abstract samples(out: string[]): void;
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${this.name} ${this.type}`);
    this.samples(out);
  }
  protected key(values: LabelValues): string {
    if (values.length !== this.labelNames.length)
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    return values.join('\u0000');
  }
}

export class Counter extends Metric {
  readonly type = 'counter';
  private readonly series = new Map<string, { values: LabelValues; v: number }>();
  inc(values: LabelValues, by = 1): void {
    if (by < 0) throw new Error(`${this.name}: counters only go up`);
    const k = this.key(values);
    const s = this.series.get(k);
    if (s) s.v += by;
    else this.series.set(k, { values: [...values], v: by });
  }
  get(values: LabelValues): number {
    return this.series.get(this.key(values))?.v ?? 0;
  }
  /** A handle on one series (created at 0): no label lookup per increment on hot paths. */
  child(values: LabelValues): { inc(by?: number): void } {
    this.inc(values, 0);
    const s = this.series.get(this.key(values))!;
    const name = this.name;
    return {
      inc(by = 1) {
        if (by < 0) throw new Error(`${name}: counters only go up`);
        s.v += by;
      },
    };
  }
  samples(out: string[]): void {
    for (const s of this.series.values()) out.push(`${this.name}_total${labelText(this.labelNames, s.values)} ${formatValue(s.v)}`);
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge';
  private readonly series = new Map<string, { values: LabelValues; v: number }>();
  set(values: LabelValues, v: number): void {
    const k = this.key(values);
    const s = this.series.get(k);
    if (s) s.v = v;
    else this.series.set(k, { values: [...values], v });
  }
  get(values: LabelValues): number {
    return this.series.get(this.key(values))?.v ?? 0;
  }
  samples(out: string[]): void {
    for (const s of this.series.values()) out.push(`${this.name}${labelText(this.labelNames, s.values)} ${formatValue(s.v)}`);
  }
}

interface HistSeries {
  values: LabelValues;
  counts: Float64Array; // per bucket (not cumulative), last = +Inf
  sum: number;
  count: number;
}

export class Histogram extends Metric {
  readonly type = 'histogram';
  private readonly series = new Map<string, HistSeries>();
  /** Called with every observed value (another flavor's series mirroring this one). */
  onObserve: ((v: number) => void) | undefined;
  constructor(name: string, help: string, labelNames: readonly string[], readonly buckets: readonly number[]) {
    super(name, help, labelNames);
    for (let i = 1; i < buckets.length; i++) if (!(buckets[i] > buckets[i - 1])) throw new Error(`${name}: buckets must increase`);
  }
  private get_(values: LabelValues): HistSeries {
    const k = this.key(values);
    let s = this.series.get(k);
    if (!s) {
      s = { values: [...values], counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    return s;
  }
  /** Creates the series (all zero) so it is exposed before the first observation. */
  touch(values: LabelValues): void {
    this.get_(values);
  }
  observe(values: LabelValues, v: number): void {
    this.observeIn(this.get_(values), v);
  }
  /** A handle on one series: no label lookup per observation on hot paths. */
  child(values: LabelValues): { observe(v: number): void } {
    const s = this.get_(values);
    return { observe: (v: number) => this.observeIn(s, v) };
  }
  private observeIn(s: HistSeries, v: number): void {
    const b = this.buckets;
    // Buckets are few (<= 25): a linear scan beats a binary search here.
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    s.counts[i]++;
    s.sum += v;
    s.count++;
    this.onObserve?.(v);
  }
  snapshot(values: LabelValues): { sum: number; count: number; cumulative: number[] } {
    const s = this.get_(values);
    const cumulative: number[] = [];
    let c = 0;
    for (let i = 0; i < s.counts.length; i++) cumulative.push((c += s.counts[i]));
    return { sum: s.sum, count: s.count, cumulative };
  }
  samples(out: string[]): void {
    for (const s of this.series.values()) {
      let c = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        c += s.counts[i];
        const le = i < this.buckets.length ? formatValue(this.buckets[i]) : '+Inf';
        out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, ['le', le])} ${formatValue(c)}`);
      }
      out.push(`${this.name}_sum${labelText(this.labelNames, s.values)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, s.values)} ${formatValue(s.count)}`);
    }
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }
  /** The exposition text; `only` keeps the metrics whose name it accepts. */
  render(only?: (name: string) => boolean): string {
    const out: string[] = [];
    for (const m of this.metrics) if (!only || only(m.name)) m.render(out);
    return out.join('\n') + '\n';
  }
}
