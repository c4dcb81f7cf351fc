import type { EpochMs, Item } from '../../core/index.js';
import type { Ingestor } from '../ingestor.js';
import type { ItemSeed } from './types.js';

/** Item ids already written or checked in this run; cleared when full so memory stays bounded. */
const KNOWN_IDS_MAX = 1_000_000;

function newItem(seed: ItemSeed, now: EpochMs): Item {
  return {
    id: seed.id,
    title: '',
    description: '',
    categoryPath: seed.categoryPath ?? [],
    tags: [],
    brand: null,
    price: null,
    attributes: seed.attributes ?? {},
    available: true,
    createdAt: seed.createdAt ?? now,
  };
}

/** The stored item with the seed's fields applied, or null when the seed changes nothing. */
function merged(existing: Item, seed: ItemSeed): Item | null {
  let next: Item | null = null;
  if (seed.categoryPath && JSON.stringify(seed.categoryPath) !== JSON.stringify(existing.categoryPath)) {
    next = { ...existing, categoryPath: seed.categoryPath };
  }
  if (seed.attributes) {
    const attributes = { ...existing.attributes, ...seed.attributes };
    if (JSON.stringify(attributes) !== JSON.stringify(existing.attributes)) next = { ...(next ?? existing), attributes };
  }
  return next;
}

/**
 * Makes sure the items events refer to exist, without clobbering a catalogue loaded from elsewhere:
 * a missing item is created from its seed; an existing one only gets the fields the seed sets
 * (category, attributes), and only when they differ. So a second import writes no item.
 */
export class ItemWriter {
  private readonly known = new Set<string>();
  private readonly now = Date.now();

  constructor(private readonly ingestor: Ingestor) {}

  /** Writes what the seeds add; returns how many items were created or changed. */
  async write(seeds: Iterable<ItemSeed>): Promise<number> {
    const pending = new Map<string, ItemSeed>();
    for (const seed of seeds) if (!this.known.has(seed.id) && !pending.has(seed.id)) pending.set(seed.id, seed);
    if (pending.size === 0) return 0;
    const existing = new Map((await this.ingestor.store.getItems([...pending.keys()])).map((item) => [item.id, item]));
    const writes: Item[] = [];
    for (const seed of pending.values()) {
      const stored = existing.get(seed.id);
      const next = stored ? merged(stored, seed) : newItem(seed, this.now);
      if (next) writes.push(next);
    }
    if (writes.length > 0) await this.ingestor.upsertItems(writes);
    if (this.known.size + pending.size > KNOWN_IDS_MAX) this.known.clear();
    for (const id of pending.keys()) this.known.add(id);
    return writes.length;
  }
}
