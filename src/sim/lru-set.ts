// A set of block hashes in least-recently-used order with O(1) insert, delete, touch and
// eviction: a linked list over fixed slots plus a hash -> slot map. (A Map used as an LRU
// queue, evicting `keys().next()`, slows down to O(deleted entries) per eviction in V8:
// deleted entries stay as holes at the front until the table is rebuilt.) Pure.

import { NONE, SlotList } from './slot-list.js';

export class LruSet {
  private readonly slotOf = new Map<number, number>();
  private readonly hashAt: Float64Array;
  private readonly order: SlotList;
  private readonly freeSlots: number[] = [];

  /** `slots`: the most hashes held at once. */
  constructor(slots: number) {
    this.hashAt = new Float64Array(slots);
    this.order = new SlotList(slots);
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
    if (s !== undefined) this.order.remove(s);
    else {
      s = this.freeSlots.pop();
      if (s === undefined) throw new Error('LruSet: full; evict before adding');
      this.slotOf.set(hash, s);
      this.hashAt[s] = hash;
    }
    this.order.push(s);
  }

  /** Removes `hash`; false when absent. */
  delete(hash: number): boolean {
    const s = this.slotOf.get(hash);
    if (s === undefined) return false;
    this.order.remove(s);
    this.slotOf.delete(hash);
    this.freeSlots.push(s);
    return true;
  }

  /** Removes and returns the least recent hash, or undefined when empty. */
  shift(): number | undefined {
    if (this.order.head === NONE) return undefined;
    const hash = this.hashAt[this.order.head];
    this.delete(hash);
    return hash;
  }
}
