// Stand-in for `k6/data`: SharedArray made once per run (the first VU's init code runs the
// callback; later VUs get the stored copy), elements JSON copies and frozen, as in k6.
import { host, requireInit } from '../host';

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

export class SharedArray<T> {
  [index: number]: T;
  readonly length!: number;

  constructor(name: string, make: () => T[]) {
    requireInit('new SharedArray()');
    const store = host().sharedArrays;
    let rows = store.get(name);
    if (!rows) {
      const made = make();
      if (!Array.isArray(made)) throw new Error(`SharedArray "${name}": the callback must return an array`);
      rows = made.map((r) => JSON.stringify(r));
      store.set(name, rows);
    }
    const items = rows;
    return new Proxy(this, {
      get(target, key) {
        if (key === 'length') return items.length;
        if (typeof key === 'string' && /^\d+$/.test(key)) {
          const i = Number(key);
          return i < items.length ? deepFreeze(JSON.parse(items[i])) : undefined;
        }
        return Reflect.get(target, key);
      },
      set() {
        throw new Error(`SharedArray "${name}" is read-only`);
      },
    });
  }
}

export default { SharedArray };
