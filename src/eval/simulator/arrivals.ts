import { shuffle, type Rng } from '../../core/index.js';
import type { Catalogue } from './catalogue.js';
import type { ShopOptions } from './options.js';
import { CumulativeSampler } from './sampling.js';

const DAY_MS = 86_400_000;

/** What the shop shows on one day: the exposure samplers over the items on sale that day. */
export interface Shelf {
  /** Exposure sampler per subcategory, over `Catalogue.itemsBySub[s]` (an item not yet launched weighs 0). */
  samplerBySub: CumulativeSampler[];
  /** Exposure sampler over the whole catalogue (home page, "popular now"). */
  samplerAll: CumulativeSampler;
}

/**
 * New arrivals: `newItemsPerDay` catalogue items launch on each day after day 0, spread evenly, and stay
 * hidden before. The first item of every subcategory is on sale from the start, so every interest can be
 * browsed on every day. An arrival is dated by its launch (`createdAt`) and loses the bestseller tag it
 * cannot have earned yet. Draws from `rng` only when there are arrivals, so a shop without them is the
 * same as before they existed.
 */
export function assignLaunchDays(options: ShopOptions, cat: Catalogue, rng: Rng): void {
  if (options.newItemsPerDay <= 0 || options.days < 2) return;
  const first = cat.subcategories.length;
  const candidates = shuffle(
    Array.from({ length: Math.max(0, cat.items.length - first) }, (_, k) => first + k),
    rng,
  );
  const count = Math.min(candidates.length, Math.round(options.newItemsPerDay * (options.days - 1)));
  for (let k = 0; k < count; k++) {
    const i = candidates[k];
    const day = 1 + Math.floor((k * (options.days - 1)) / count);
    cat.launchDay[i] = day;
    const item = cat.items[i];
    cat.items[i] = {
      ...item,
      createdAt: options.startTime + day * DAY_MS,
      tags: item.tags.filter((t) => t !== 'bestseller'),
    };
  }
}

/**
 * The shelf of day `day`: an item launched that day or before weighs its own exposure plus a launch boost
 * (`newArrivalExposure` times the most exposed item's, decaying with mean `newArrivalDays`), an item not
 * yet launched 0. Without arrivals it is the catalogue's own samplers.
 */
export function shelfOf(options: ShopOptions, cat: Catalogue, day: number): Shelf {
  if (options.newItemsPerDay <= 0) return { samplerBySub: cat.samplerBySub, samplerAll: cat.samplerAll };
  let peak = 0;
  for (const w of cat.exposure) peak = Math.max(peak, w);
  peak *= options.newArrivalExposure;
  const weights = new Float64Array(cat.items.length);
  for (let i = 0; i < weights.length; i++) {
    const age = day - cat.launchDay[i];
    if (age < 0) continue;
    weights[i] = cat.exposure[i] + (cat.launchDay[i] > 0 ? peak * Math.exp(-age / options.newArrivalDays) : 0);
  }
  return {
    samplerBySub: cat.itemsBySub.map((ids) => new CumulativeSampler(Array.from(ids, (i) => weights[i]))),
    samplerAll: new CumulativeSampler(weights),
  };
}
