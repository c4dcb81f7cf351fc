import { shuffle, type Item, type Rng } from '../../core/index.js';
import { assignLaunchDays } from './arrivals.js';
import type { ShopOptions } from './options.js';
import { CumulativeSampler, pickOne, pickWeighted } from './sampling.js';
import { CATEGORY_WORDS, STYLE_COUNT, STYLES, type SubcategoryWords } from './vocabulary.js';

const DAY_MS = 86_400_000;
/** Log-price shift of premium / value items, so price carries style. */
const PREMIUM_LOG_PRICE = 0.5;
const VALUE_LOG_PRICE = -0.5;
const STYLE_PREMIUM = 1;
const STYLE_VALUE = 2;

export interface Subcategory {
  /** Index of its top category. */
  top: number;
  path: [string, string];
  words: SubcategoryWords;
  /** Log-normal price parameters (of the natural log of the price). */
  logPriceMean: number;
  logPriceSd: number;
}

/** The catalogue as the generator sees it: the public items plus the latent arrays (by item index). */
export interface Catalogue {
  items: Item[];
  subcategories: Subcategory[];
  topCount: number;
  indexOf: Map<string, number>;
  sub: Int32Array;
  top: Int32Array;
  /** Zipf exposure weight: how often the shop shows the item (the long tail). */
  exposure: Float64Array;
  /** z-score of log exposure; the popularity term of appeal. */
  popularityZ: Float64Array;
  /** z-score of log price within the subcategory. */
  priceZ: Float64Array;
  /** Intrinsic quality (unobserved), also drives ratings. */
  quality: Float64Array;
  /** Bit s set when the item has style s. */
  styles: Uint8Array;
  /** Item indexes of each subcategory, and exposure samplers over them. */
  itemsBySub: Int32Array[];
  samplerBySub: CumulativeSampler[];
  /** Exposure sampler over the whole catalogue (home page, "popular now"). */
  samplerAll: CumulativeSampler;
  /** Each item's look (a Fashion-MNIST class) or -1 without a picture (looks.ts). */
  look: Int8Array;
  /** Weight of a shopper's taste for looks in appeal (`visualTaste`; 0: looks do not matter). */
  visualTaste: number;
  /** The day each item goes on sale: 0 from the start, later for new arrivals (arrivals.ts). */
  launchDay: Int32Array;
}

function buildSubcategories(categories: number, rng: Rng): Subcategory[] {
  const subs: Subcategory[] = [];
  CATEGORY_WORDS.slice(0, categories).forEach((cat, top) => {
    for (const words of cat.subcategories) {
      subs.push({
        top,
        path: [cat.name, words.name],
        words,
        logPriceMean: Math.log(cat.medianPrice) + 0.3 * rng.normal(),
        logPriceSd: cat.priceSpread * (0.8 + 0.4 * rng.next()),
      });
    }
  });
  return subs;
}

/** Item → subcategory: every subcategory gets one item first, the rest follow uneven subcategory sizes. */
function assignSubcategories(itemCount: number, subCount: number, rng: Rng): Int32Array {
  const sizes = Array.from({ length: subCount }, () => Math.exp(0.6 * rng.normal()));
  const sub = new Int32Array(itemCount);
  for (let i = 0; i < itemCount; i++) sub[i] = i < subCount ? i : pickWeighted(rng, sizes);
  return sub;
}

function drawStyles(rng: Rng): number {
  const u = rng.next();
  const count = u < 0.3 ? 0 : u < 0.85 ? 1 : 2;
  let mask = 0;
  for (let k = 0; k < count; k++) mask |= 1 << rng.int(STYLE_COUNT);
  // premium and value exclude each other
  if (mask & (1 << STYLE_PREMIUM) && mask & (1 << STYLE_VALUE)) mask &= ~(1 << STYLE_VALUE);
  return mask;
}

function styleList(mask: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < STYLE_COUNT; s++) if (mask & (1 << s)) out.push(s);
  return out;
}

function zScores(values: Float64Array): Float64Array {
  let mean = 0;
  for (const v of values) mean += v / values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2 / values.length;
  const sd = Math.sqrt(variance) || 1;
  return values.map((v) => (v - mean) / sd);
}

interface ItemDraft {
  index: number;
  subcategory: Subcategory;
  styleMask: number;
  bestseller: boolean;
}

function describeItem(draft: ItemDraft, rng: Rng, startMs: number): { item: Item; logPrice: number } {
  const { subcategory: s, styleMask } = draft;
  const cat = CATEGORY_WORDS[s.top];
  const styles = styleList(styleMask);
  const adjective =
    styles.length > 0 && rng.next() < 0.5 ? pickOne(rng, STYLES[pickOne(rng, styles)].adjectives) : pickOne(rng, cat.adjectives);
  const noun = pickOne(rng, s.words.nouns);
  const variant = pickOne(rng, cat.variants);
  const brand =
    cat.brands[
      pickWeighted(
        rng,
        cat.brands.map((_, k) => 1 / (k + 1)),
      )
    ];
  let logPrice = s.logPriceMean + s.logPriceSd * rng.normal();
  if (styleMask & (1 << STYLE_PREMIUM)) logPrice += PREMIUM_LOG_PRICE;
  if (styleMask & (1 << STYLE_VALUE)) logPrice += VALUE_LOG_PRICE;
  const price = Math.floor(Math.exp(logPrice)) + 0.99;
  const title = variant ? `${adjective} ${noun} ${variant}` : `${adjective} ${noun}`;
  const styleTags = styles.map((k) => STYLES[k].tag);
  const styleSentence = styles.map((k) => ` ${STYLES[k].phrase}.`).join('');
  const item: Item = {
    id: `i${draft.index + 1}`,
    title,
    description: `${adjective} ${noun.toLowerCase()} by ${brand}, made for ${cat.purpose}.${styleSentence}`,
    categoryPath: [...s.path],
    tags: draft.bestseller ? [...styleTags, 'bestseller'] : styleTags,
    brand,
    price,
    attributes: variant ? { variant } : {},
    available: true,
    createdAt: startMs - rng.int(365) * DAY_MS - rng.int(DAY_MS),
  };
  return { item, logPrice: Math.log(price) };
}

/** Generates the catalogue: category tree, items with titles, brands, log-normal prices and Zipf exposure. */
export function createCatalogue(options: ShopOptions, rng: Rng): Catalogue {
  const n = options.items;
  const subcategories = buildSubcategories(options.categories, rng);
  const sub = assignSubcategories(n, subcategories.length, rng);
  const ranks = shuffle(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
  const exposure = new Float64Array(n);
  const top = new Int32Array(n);
  const priceZ = new Float64Array(n);
  const quality = new Float64Array(n);
  const styles = new Uint8Array(n);
  const items: Item[] = [];
  const bestsellerRank = Math.max(1, Math.round(n * 0.01));
  for (let i = 0; i < n; i++) {
    const s = subcategories[sub[i]];
    exposure[i] = 1 / (ranks[i] + 1) ** options.popularityExponent;
    top[i] = s.top;
    styles[i] = drawStyles(rng);
    quality[i] = 0.4 * rng.normal();
    const { item, logPrice } = describeItem(
      { index: i, subcategory: s, styleMask: styles[i], bestseller: ranks[i] < bestsellerRank },
      rng,
      options.startTime,
    );
    priceZ[i] = (logPrice - s.logPriceMean) / s.logPriceSd;
    items.push(item);
  }
  const members: number[][] = subcategories.map(() => []);
  for (let i = 0; i < n; i++) members[sub[i]].push(i);
  const itemsBySub = members.map((ids) => Int32Array.from(ids));
  const cat: Catalogue = {
    items,
    subcategories,
    topCount: options.categories,
    indexOf: new Map(items.map((item, i) => [item.id, i])),
    sub,
    top,
    exposure,
    popularityZ: zScores(exposure.map(Math.log)),
    priceZ,
    quality,
    styles,
    itemsBySub,
    samplerBySub: itemsBySub.map((ids) => new CumulativeSampler(Array.from(ids, (i) => exposure[i]))),
    samplerAll: new CumulativeSampler(exposure),
    // Filled by assignLooks from a stream of its own.
    look: new Int8Array(n).fill(-1),
    visualTaste: 0,
    launchDay: new Int32Array(n),
  };
  // After every other draw, so that a catalogue without arrivals stays the same.
  assignLaunchDays(options, cat, rng);
  return cat;
}
