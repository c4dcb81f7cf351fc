import type { EventType } from '../core/index.js';
import { idHash } from './id-hash.js';

/**
 * A user's newest events of one kind, oldest first, in fixed-size ring arrays (item ids, types, times, id
 * hashes) instead of an object per event. Nothing is allocated after construction: growing arrays with
 * splice reallocated four backing stores per cached impression, and as parts of a long-lived cache entry
 * they were promoted to the old generation, the main load on its collections.
 */
export class EventList {
  private readonly itemIds: string[];
  private readonly types: EventType[];
  private readonly times: number[];
  private readonly ids: number[];
  /** Ring slot of the oldest event. */
  private start = 0;
  private size = 0;

  constructor(readonly max: number) {
    this.itemIds = new Array<string>(max).fill('');
    this.types = new Array<EventType>(max).fill('view');
    // Filled with a fraction so the arrays hold unboxed doubles from the start.
    this.times = new Array<number>(max).fill(0.5);
    this.ids = new Array<number>(max).fill(0.5);
  }

  get length(): number {
    return this.size;
  }

  /** `fn` over the events, oldest first. */
  map<T>(fn: (itemId: string, type: EventType, timestamp: number) => T): T[] {
    const out = new Array<T>(this.size);
    for (let k = 0; k < this.size; k++) {
      const s = this.slot(k);
      out[k] = fn(this.itemIds[s], this.types[s], this.times[s]);
    }
    return out;
  }

  /**
   * Inserts by timestamp (a late event lands where the store's ORDER BY timestamp would put it; equal
   * timestamps keep arrival order) and keeps the newest `max`. An id already present is ignored.
   */
  insert(id: string, itemId: string, type: EventType, timestamp: number): void {
    if (this.max === 0) return;
    const hash = idHash(id);
    for (let k = 0; k < this.size; k++) if (this.ids[this.slot(k)] === hash) return;
    let at = this.size;
    while (at > 0 && this.times[this.slot(at - 1)] > timestamp) at--;
    if (this.size === this.max) {
      if (at === 0) return; // older than everything kept
      // Drop the oldest: every position moves down one.
      this.start = (this.start + 1) % this.max;
      this.size--;
      at--;
    }
    for (let k = this.size; k > at; k--) this.move(this.slot(k - 1), this.slot(k));
    const s = this.slot(at);
    this.itemIds[s] = itemId;
    this.types[s] = type;
    this.times[s] = timestamp;
    this.ids[s] = hash;
    this.size++;
  }

  private slot(k: number): number {
    return (this.start + k) % this.max;
  }

  private move(from: number, to: number): void {
    this.itemIds[to] = this.itemIds[from];
    this.types[to] = this.types[from];
    this.times[to] = this.times[from];
    this.ids[to] = this.ids[from];
  }
}
