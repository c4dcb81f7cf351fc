import type { EventType } from '../../core/index.js';

/**
 * 53-bit hash of an event id (two 32-bit multiply-xor lanes). A list keeps hashes instead of id strings:
 * two of a user's few dozen ids colliding has odds near 1e-13, and one string less per cached event
 * matters when a server caches tens of thousands of users.
 */
export function idHash(id: string): number {
  let a = 0x9e3779b9;
  let b = 0x85ebca6b;
  for (let k = 0; k < id.length; k++) {
    const c = id.charCodeAt(k);
    a = Math.imul(a ^ c, 0x85ebca77);
    b = Math.imul(b ^ c, 0xc2b2ae3d);
  }
  a = Math.imul(a ^ (a >>> 16), 0x27d4eb2f) ^ Math.imul(b ^ (b >>> 13), 0x165667b1);
  b = Math.imul(b ^ (b >>> 16), 0x27d4eb2f) ^ Math.imul(a ^ (a >>> 13), 0x165667b1);
  return 2_097_152 * ((b >>> 0) & 0x1fffff) + (a >>> 0);
}

/**
 * A user's newest events of one kind, oldest first, as parallel arrays (item ids, types, times, id
 * hashes) instead of an object per event: the old generation then holds a handful of arrays per cached
 * user, with numbers stored unboxed, and a full GC has far fewer objects to mark.
 */
export class EventList {
  readonly items: string[] = [];
  readonly types: EventType[] = [];
  readonly times: number[] = [];
  private readonly ids: number[] = [];

  constructor(readonly max: number) {}

  get length(): number {
    return this.items.length;
  }

  /**
   * Inserts by timestamp (a late event lands where the store's ORDER BY timestamp would put it; equal
   * timestamps keep arrival order) and keeps the newest `max`. An id already present is ignored.
   */
  insert(id: string, itemId: string, type: EventType, timestamp: number): void {
    const hash = idHash(id);
    if (this.ids.includes(hash)) return;
    let at = this.times.length;
    while (at > 0 && this.times[at - 1] > timestamp) at--;
    if (at === 0 && this.length >= this.max) return; // older than everything kept
    this.items.splice(at, 0, itemId);
    this.types.splice(at, 0, type);
    this.times.splice(at, 0, timestamp);
    this.ids.splice(at, 0, hash);
    const over = this.length - this.max;
    if (over > 0) {
      this.items.splice(0, over);
      this.types.splice(0, over);
      this.times.splice(0, over);
      this.ids.splice(0, over);
    }
  }
}
