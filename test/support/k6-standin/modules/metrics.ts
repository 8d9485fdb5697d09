// Stand-in for `k6/metrics`: metric objects may only be made in init code; every add() becomes
// a sample with the VU's tags and metadata, as k6 emits it.
import { host, requireInit, type MetricSample, type Tags } from '../host';

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;

class Metric {
  constructor(readonly name: string, private readonly type: MetricSample['type'], readonly isTime = false) {
    requireInit(`new ${type}("${name}")`);
    if (!NAME.test(name)) throw new Error(`invalid metric name "${name}" (k6: letters, digits, _; at most 128)`);
    const declared = host().declared;
    const before = declared.get(name);
    if (before && before.type !== type) throw new Error(`metric "${name}" already declared as a ${before.type}`);
    declared.set(name, { type, isTime });
  }

  add(value: number | boolean, tags?: Tags): void {
    const h = host();
    if (h.vu.phase === 'init') throw new Error(`${this.name}.add() in init code: k6 only records samples in VU code`);
    h.samples.push({
      metric: this.name, type: this.type, isTime: this.isTime, value: Number(value),
      tags: { ...h.vu.tags, ...(tags ?? {}) }, metadata: { ...h.vu.metadata }, vu: h.vu.id,
    });
  }
}

export class Counter extends Metric {
  constructor(name: string) { super(name, 'counter'); }
}
export class Trend extends Metric {
  constructor(name: string, isTime?: boolean) { super(name, 'trend', isTime === true); }
}
export class Gauge extends Metric {
  constructor(name: string, isTime?: boolean) { super(name, 'gauge', isTime === true); }
}
export class Rate extends Metric {
  constructor(name: string) { super(name, 'rate'); }
}

export default { Counter, Trend, Gauge, Rate };
