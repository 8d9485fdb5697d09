// A doubly linked list over slot indices 0..n-1 held in typed arrays: O(1) append, removal
// and taking the oldest, no allocation. The order behind the KV cache's free queue and the KV
// tiers' LRU sets. Pure.

export const NONE = -1;

export class SlotList {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /** Oldest slot (first out), or NONE. */
  head = NONE;
  private tail = NONE;
  /** Slots in the list. */
  length = 0;

  constructor(slots: number) {
    this.prev = new Int32Array(slots).fill(NONE);
    this.next = new Int32Array(slots).fill(NONE);
  }

  /** Appends slot `s` (not in the list) as the newest. */
  push(s: number): void {
    this.prev[s] = this.tail;
    this.next[s] = NONE;
    if (this.tail !== NONE) this.next[this.tail] = s;
    else this.head = s;
    this.tail = s;
    this.length++;
  }

  /** Removes slot `s` (in the list). */
  remove(s: number): void {
    const p = this.prev[s];
    const n = this.next[s];
    if (p !== NONE) this.next[p] = n;
    else this.head = n;
    if (n !== NONE) this.prev[n] = p;
    else this.tail = p;
    this.prev[s] = this.next[s] = NONE;
    this.length--;
  }
}
