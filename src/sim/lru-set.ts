// A set of block hashes in least-recently-used order with O(1) insert, delete, touch and
// eviction: a doubly linked list over fixed slots plus a hash -> slot map. (A Map used as an
// LRU queue, evicting `keys().next()`, slows down to O(deleted entries) per eviction in V8:
// deleted entries stay as holes at the front until the table is rebuilt.) Pure.

const NONE = -1;

export class LruSet {
  private readonly slotOf = new Map<number, number>();
  private readonly hashAt: Float64Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly freeSlots: number[] = [];
  private head = NONE; // least recent
  private tail = NONE; // most recent

  /** `slots`: the most hashes held at once. */
  constructor(slots: number) {
    this.hashAt = new Float64Array(slots);
    this.prev = new Int32Array(slots);
    this.next = new Int32Array(slots);
    for (let i = slots - 1; i >= 0; i--) this.freeSlots.push(i);
  }

  get size(): number {
    return this.slotOf.size;
  }

  has(hash: number): boolean {
    return this.slotOf.has(hash);
  }

  /** Adds `hash` as the most recent (moves it there when present). */
  add(hash: number): void {
    let s = this.slotOf.get(hash);
    if (s !== undefined) this.unlink(s);
    else {
      s = this.freeSlots.pop();
      if (s === undefined) throw new Error('LruSet: full; evict before adding');
      this.slotOf.set(hash, s);
      this.hashAt[s] = hash;
    }
    this.prev[s] = this.tail;
    this.next[s] = NONE;
    if (this.tail !== NONE) this.next[this.tail] = s;
    else this.head = s;
    this.tail = s;
  }

  /** Removes `hash`; false when absent. */
  delete(hash: number): boolean {
    const s = this.slotOf.get(hash);
    if (s === undefined) return false;
    this.unlink(s);
    this.slotOf.delete(hash);
    this.freeSlots.push(s);
    return true;
  }

  /** Removes and returns the least recent hash, or undefined when empty. */
  shift(): number | undefined {
    if (this.head === NONE) return undefined;
    const hash = this.hashAt[this.head];
    this.delete(hash);
    return hash;
  }

  private unlink(s: number): void {
    const p = this.prev[s];
    const n = this.next[s];
    if (p !== NONE) this.next[p] = n;
    else this.head = n;
    if (n !== NONE) this.prev[n] = p;
    else this.tail = p;
  }
}
