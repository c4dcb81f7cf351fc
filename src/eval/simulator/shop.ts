import { createRng, CurioError, type EpochMs, type Event, type Item } from '../../core/index.js';
import { createCatalogue } from './catalogue.js';
import { estimateEventCount, generateEvents } from './event-stream.js';
import { parseShopOptions, type ShopOptions, type ShopOptionsInput } from './options.js';
import { createPopulation, DAY_MS, toSimUser, trueInterestsOf, type SimUser, type TrueInterest } from './population.js';
import { createResponder, type Responder } from './response.js';
import { assignLooks, pictureItems, type PictureSource } from './looks.js';

/** A generated shop: catalogue, shoppers, their logged behaviour, and the ground truth behind it. */
export interface Shop extends Responder {
  options: ShopOptions;
  items: Item[];
  users: SimUser[];
  /** Every subcategory path, e.g. ['Groceries', 'Tea']. */
  categories: string[][];
  /** End of the simulated period (exclusive). */
  endTime: EpochMs;
  /** A rough event count, for progress bars. */
  estimatedEventCount: number;
  /** The logged events, time-ordered, ids `sim:<seed>:<n>`; every call replays the same stream. */
  events(): Iterable<Event>;
  /** The user's true interests at a time, strongest first, weights summing to 1. */
  trueInterests(userId: string, time: EpochMs): TrueInterest[];
  /** An item's look (a Fashion-MNIST class) when it is a pictured fashion item, else null. */
  lookOf(itemId: string): number | null;
  /** A shopper's taste for each look (Fashion-MNIST class order). */
  lookTaste(userId: string): Float64Array;
  /** A picture (greyscale bytes) for every pictured item, chosen from `images` by look. */
  pictures(images: PictureSource): Array<{ itemId: string; look: number; pixels: Uint8Array }>;
}

/**
 * Generates a deterministic synthetic shop from options (validated, defaults filled). The catalogue,
 * the population (with its drift schedule), the event stream and the response model each draw from
 * their own seeded stream, so asking the response model questions never changes the events.
 */
export function createShop(input: ShopOptionsInput = {}): Shop {
  const options = parseShopOptions(input);
  const root = createRng(options.seed);
  const cat = createCatalogue(options, root.fork());
  const models = createPopulation(options, cat, root.fork());
  assignLooks(options, cat, models);
  const streamSeed = root.int(2 ** 32);
  const responder = createResponder({ options, cat, users: models, rng: root.fork() });
  const byId = new Map(models.map((u) => [u.id, u]));
  const rampMs = options.driftRampDays * DAY_MS;
  return {
    ...responder,
    options,
    items: cat.items,
    users: models.map((u) => toSimUser(u, cat)),
    categories: cat.subcategories.map((s) => [...s.path]),
    endTime: options.startTime + options.days * DAY_MS,
    estimatedEventCount: estimateEventCount(options),
    events: () => ({ [Symbol.iterator]: () => generateEvents({ options, cat, users: models, streamSeed }) }),
    trueInterests(userId, time) {
      const user = byId.get(userId);
      if (!user) throw new CurioError('NOT_FOUND', `unknown simulated user "${userId}"`);
      return trueInterestsOf(user, time, rampMs, cat);
    },
    lookOf(itemId) {
      const i = cat.indexOf.get(itemId);
      return i === undefined || cat.look[i] < 0 ? null : cat.look[i];
    },
    lookTaste(userId) {
      const user = byId.get(userId);
      if (!user) throw new CurioError('NOT_FOUND', `unknown simulated user "${userId}"`);
      return user.lookTaste;
    },
    pictures: (images) => pictureItems(options, cat, images),
  };
}
