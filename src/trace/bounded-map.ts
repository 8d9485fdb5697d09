// A Map with a capacity that forgets its least recently set entries: per-session state for
// streams whose sessions interleave only locally, and the LRU prefix-cache model.
//
// Recency is a doubly linked list over slot indices (typed arrays), so no Map is ever iterated:
// evicting through a Map's own insertion order costs O(deleted slots) per eviction, and a live
// Map iterator that lags behind pins every table the Map outgrows.

export class BoundedMap<K, V> {
  private readonly slotOf = new Map<K, number>();
  private readonly keys: K[] = [];
  private readonly values: V[] = [];
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /** Least and most recently set slots (-1: empty). */
  private head = -1;
  private tail = -1;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`capacity must be at least 1, got ${capacity}`);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
  }

  get size(): number {
    return this.slotOf.size;
  }

  has(key: K): boolean {
    return this.slotOf.has(key);
  }

  get(key: K): V | undefined {
    const s = this.slotOf.get(key);
    return s === undefined ? undefined : this.values[s];
  }

  /** Sets the value and makes the entry the most recent, forgetting the least recent when full. */
  set(key: K, value: V): void {
    let s = this.slotOf.get(key);
    if (s !== undefined) {
      this.unlink(s);
    } else if (this.slotOf.size < this.capacity) {
      s = this.slotOf.size;
      this.slotOf.set(key, s);
    } else {
      s = this.head;
      this.unlink(s);
      this.slotOf.delete(this.keys[s]);
      this.slotOf.set(key, s);
    }
    this.keys[s] = key;
    this.values[s] = value;
    this.append(s);
  }

  private unlink(s: number): void {
    const p = this.prev[s];
    const n = this.next[s];
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }

  private append(s: number): void {
    this.prev[s] = this.tail;
    this.next[s] = -1;
    if (this.tail >= 0) this.next[this.tail] = s;
    else this.head = s;
    this.tail = s;
  }
}
