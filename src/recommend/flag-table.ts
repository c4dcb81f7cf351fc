/**
 * Small flags per 53-bit key (see `idHash`) for up to `capacity` keys, the oldest forgotten first, held in
 * typed arrays: an open-addressing table (linear probing, at most half full) and a ring of keys in
 * insertion order. A server remembers about a million recommended slots; as a Map of slates they were
 * hundreds of thousands of heap objects, each promoted to the old generation and marked by every full
 * collection. Typed arrays are a handful of objects whatever their length. They are allocated at full
 * size (27 MB for a million keys): growing by doubling rehashed up to half a million keys inside one
 * request, a stall of its own. The pages take memory only when first written, so a runtime that sees few
 * slots (a test's) costs little.
 */
export class FlagTable {
  /** Key + 1 per table slot; 0 marks an empty slot. */
  private readonly keys: Float64Array;
  private readonly flags: Uint8Array;
  /** Keys + 1 in insertion order, a ring: the oldest at `oldest`. */
  private readonly order: Float64Array;
  private oldest = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isSafeInteger(capacity) && capacity > 0)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    // At most half full keeps linear-probing runs short.
    const slots = 2 ** Math.ceil(Math.log2(2 * capacity));
    this.keys = new Float64Array(slots);
    this.flags = new Uint8Array(slots);
    this.order = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The key's flags; 0 for a key not held. */
  get(key: number): number {
    const at = this.find(key + 1);
    return at < 0 ? 0 : this.flags[at];
  }

  /** Sets the key's flags (0-255), adding the key (and forgetting the oldest at capacity) when new. */
  set(key: number, flags: number): void {
    const stored = key + 1;
    const at = this.find(stored);
    if (at >= 0) {
      this.flags[at] = flags;
      return;
    }
    if (this.count === this.capacity) this.forgetOldest();
    this.place(stored, flags);
    this.order[(this.oldest + this.count) % this.capacity] = stored;
    this.count++;
  }

  /** Table slot holding `stored`, or -1. */
  private find(stored: number): number {
    const mask = this.keys.length - 1;
    for (let at = home(stored, mask); ; at = (at + 1) & mask) {
      const k = this.keys[at];
      if (k === stored) return at;
      if (k === 0) return -1;
    }
  }

  private place(stored: number, flags: number): void {
    const mask = this.keys.length - 1;
    let at = home(stored, mask);
    while (this.keys[at] !== 0) at = (at + 1) & mask;
    this.keys[at] = stored;
    this.flags[at] = flags;
  }

  /** Removes the oldest key; later keys of its probe run shift back so no lookup meets a hole early. */
  private forgetOldest(): void {
    const mask = this.keys.length - 1;
    let hole = this.find(this.order[this.oldest]);
    this.oldest = (this.oldest + 1) % this.capacity;
    this.count--;
    for (let at = (hole + 1) & mask; this.keys[at] !== 0; at = (at + 1) & mask) {
      // The entry at `at` may fill the hole when the hole lies between its home slot and `at`.
      if (((at - home(this.keys[at], mask)) & mask) >= ((at - hole) & mask)) {
        this.keys[hole] = this.keys[at];
        this.flags[hole] = this.flags[at];
        hole = at;
      }
    }
    this.keys[hole] = 0;
    this.flags[hole] = 0;
  }
}

/** A key's first probe slot: its low 32 bits (the keys are hashes already) under the table's mask. */
const home = (stored: number, mask: number): number => (stored >>> 0) & mask;
