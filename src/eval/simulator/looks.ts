/**
 * Looks: the fashion items of a simulated shop carry a Fashion-MNIST picture of what their title names, and
 * shoppers have a visual taste — within each fashion subcategory they prefer one look (a Fashion-MNIST
 * class: sandals over sneakers and boots, dresses over coats). With `visualTaste` > 0 the taste adds to an item's appeal, so
 * pictures carry signal a model can find and the cold-start benchmark can measure. Looks and tastes draw
 * from a stream of their own, so a shop without visual taste is the same shop, event for event.
 */
import { createRng, type Rng } from '../../core/index.js';
import type { Catalogue } from './catalogue.js';
import type { ShopOptions } from './options.js';
import type { UserModel } from './population.js';

/**
 * The Fashion-MNIST class (label index) that pictures each fashion noun of the vocabulary, so an item's
 * picture shows what its title says; Jewellery has none. 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress,
 * 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.
 */
export const NOUN_LOOKS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  "Women's Clothing": { 'Summer Dress': 3, Blouse: 6, Cardigan: 2, 'Wide Trousers': 1, Skirt: 3 },
  "Men's Clothing": { Shirt: 6, Chinos: 1, Hoodie: 2, Jacket: 4, 'Polo Shirt': 0 },
  Shoes: { Sneakers: 7, 'Ankle Boots': 9, Loafers: 7, Sandals: 5 },
  Bags: { Backpack: 8, 'Tote Bag': 8, 'Crossbody Bag': 8, Weekender: 8 },
};
/** The looks of each pictured subcategory. */
export const SUBCATEGORY_LOOKS: Readonly<Record<string, readonly number[]>> = Object.fromEntries(
  Object.entries(NOUN_LOOKS).map(([sub, nouns]) => [sub, [...new Set(Object.values(nouns))]]),
);
/** Fashion-MNIST's number of classes: the length of a taste vector. */
export const LOOK_COUNT = 10;
/** A taste for the preferred look of a subcategory, and against the others. */
const PREFERRED = 1;
const OTHERS = -0.5;
const LOOKS_STREAM = 0x6c6f6f6b; // "look"

/** Each item's look (the class of the noun in its title), or -1 for an item without a picture. */
function drawLooks(cat: Catalogue): Int8Array {
  const looks = new Int8Array(cat.items.length).fill(-1);
  cat.sub.forEach((s, i) => {
    const [top, sub] = cat.subcategories[s].path;
    const nouns = top === 'Fashion' ? NOUN_LOOKS[sub] : undefined;
    if (!nouns) return;
    // The longest noun in the title: "Polo Shirt" rather than "Shirt".
    const noun = Object.keys(nouns)
      .filter((n) => cat.items[i].title.includes(n))
      .sort((a, b) => b.length - a.length)[0];
    if (noun) looks[i] = nouns[noun];
  });
  return looks;
}

/** Each shopper prefers one look per pictured subcategory: +1 on it, −0.5 on the others of that subcategory. */
function drawTaste(rng: Rng): Float64Array {
  const taste = new Float64Array(LOOK_COUNT);
  for (const classes of Object.values(SUBCATEGORY_LOOKS)) {
    if (classes.length < 2) continue;
    const preferred = classes[rng.int(classes.length)];
    for (const c of classes) taste[c] += c === preferred ? PREFERRED : OTHERS / (classes.length - 1);
  }
  return taste;
}

/** Gives the catalogue its looks and every shopper a taste for them (from their own seeded stream). */
export function assignLooks(options: ShopOptions, cat: Catalogue, users: UserModel[]): void {
  const rng = createRng((options.seed ^ LOOKS_STREAM) >>> 0);
  cat.look = drawLooks(cat);
  cat.visualTaste = options.visualTaste;
  for (const u of users) u.lookTaste = drawTaste(rng);
}

/** Pictures for the shop's pictured items: class-matched images, drawn without repeats while a class lasts. */
export interface PictureSource {
  count: number;
  size: number;
  /** count×size×size values in [0, 1]. */
  pixels: Float32Array;
  labels: Int32Array;
}

/** One picture per pictured item, greyscale bytes, chosen with the shop's seed. */
export function pictureItems(
  options: ShopOptions,
  cat: Catalogue,
  images: PictureSource,
): Array<{ itemId: string; look: number; pixels: Uint8Array }> {
  const rng = createRng((options.seed ^ (LOOKS_STREAM + 1)) >>> 0);
  const byClass: number[][] = Array.from({ length: LOOK_COUNT }, () => []);
  for (let k = 0; k < images.count; k++) byClass[images.labels[k]]?.push(k);
  for (const list of byClass) {
    for (let k = list.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [list[k], list[j]] = [list[j], list[k]];
    }
  }
  const next = new Int32Array(LOOK_COUNT);
  const area = images.size * images.size;
  const out: Array<{ itemId: string; look: number; pixels: Uint8Array }> = [];
  cat.look.forEach((look, i) => {
    const list = byClass[look];
    if (look < 0 || !list || list.length === 0) return;
    const k = list[next[look]++ % list.length];
    const pixels = Uint8Array.from(images.pixels.subarray(k * area, (k + 1) * area), (v) => Math.round(v * 255));
    out.push({ itemId: cat.items[i].id, look, pixels });
  });
  return out;
}
