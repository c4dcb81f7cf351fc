import type { Event, EventContext, EventType, Rng } from '../../core/index.js';
import { appeal, cartChance, clickChance, purchaseChance, type UserSnapshot } from './appeal.js';
import type { Shelf } from './arrivals.js';
import type { Catalogue } from './catalogue.js';
import { DAY_MS } from './population.js';
import { exponential, pickOne, pickWeighted } from './sampling.js';

/** An event before it gets its time-ordered id. */
export type RawEvent = Omit<Event, 'id'>;

/** Browsing behaviour within a session (chances per step). */
const SESSION = {
  meanExtraViews: 5,
  meanGapMs: 35_000,
  minGapMs: 2_000,
  searchAtStart: 0.3,
  switchIntent: 0.2,
  searchOnSwitch: 0.3,
  homePageView: 0.1,
  /** Candidates the shop shows per view, drawn by exposure; the user opens the most appealing-ish one. */
  candidatesPerView: 3,
  favoriteAfterClick: 0.12,
  dislikeAfterSkip: 0.015,
  removeFromCart: 0.15,
  rateAfterPurchase: 0.25,
  reviewWithRating: 0.35,
  meanRatingDelayMs: 3 * DAY_MS,
} as const;

export interface SessionInput {
  cat: Catalogue;
  /** What is on sale that day and how often the shop shows it. */
  shelf: Shelf;
  snap: UserSnapshot;
  rng: Rng;
  sessionId: string;
  startMs: number;
  emit: (event: RawEvent) => void;
}

interface Cursor {
  input: SessionInput;
  time: number;
  page: string;
  query: string | undefined;
}

function step(c: Cursor): number {
  c.time += Math.round(Math.max(SESSION.minGapMs, exponential(c.input.rng, SESSION.meanGapMs)));
  return c.time;
}

function emit(c: Cursor, type: EventType, item: number | null, value: number | null = null, extra: EventContext = {}): void {
  const { input } = c;
  const context: EventContext = { page: c.page, device: input.snap.user.device, ...extra };
  if (c.query !== undefined && (type === 'search' || c.page === 'search')) context.query = c.query;
  input.emit({
    userId: input.snap.user.id,
    itemId: item === null ? null : input.cat.items[item].id,
    type,
    value,
    timestamp: c.time,
    sessionId: input.sessionId,
    context,
  });
}

function drawIntent(c: Cursor): number {
  return pickWeighted(c.input.rng, c.input.snap.interest, 1);
}

function search(c: Cursor, sub: number): void {
  const { rng, cat } = c.input;
  c.page = 'search';
  c.query = pickOne(rng, cat.subcategories[sub].words.nouns).toLowerCase();
  step(c);
  emit(c, 'search', null);
}

/** The item a user opens from a listing: a few exposure-drawn candidates, chosen by softmax of appeal. */
function browse(c: Cursor, sub: number): number {
  const { cat, shelf, snap, rng } = c.input;
  const ids = cat.itemsBySub[sub];
  const picks: number[] = [];
  const weights: number[] = [];
  for (let k = 0; k < SESSION.candidatesPerView; k++) {
    const item = ids[shelf.samplerBySub[sub].draw(rng)];
    picks.push(item);
    weights.push(Math.exp(appeal(cat, snap, item)));
  }
  return picks[pickWeighted(rng, weights)];
}

function viewAndReact(c: Cursor, item: number, cart: number[]): void {
  const { cat, snap, rng } = c.input;
  const a = appeal(cat, snap, item);
  step(c);
  emit(c, 'view', item);
  if (rng.next() >= clickChance(a)) {
    if (rng.next() < SESSION.dislikeAfterSkip) emit(c, 'dislike', item);
    return;
  }
  step(c);
  emit(c, 'click', item);
  if (rng.next() < SESSION.favoriteAfterClick * 2 * clickChance(a)) emit(c, 'favorite', item);
  if (!cart.includes(item) && rng.next() < cartChance(a)) {
    step(c);
    emit(c, 'cart', item, 1, { page: 'product' });
    cart.push(item);
  }
}

function rate(c: Cursor, item: number, purchasedAt: number): void {
  const { cat, snap, rng, emit: sink } = c.input;
  const stars = Math.round(3.6 + 1.5 * cat.quality[item] + 0.4 * (appeal(cat, snap, item) - 1) + 0.7 * rng.normal());
  const value = Math.min(5, Math.max(1, stars));
  const at = purchasedAt + Math.round(exponential(rng, SESSION.meanRatingDelayMs)) + 60_000;
  const base = { userId: snap.user.id, itemId: cat.items[item].id, value, sessionId: null };
  sink({ ...base, type: 'rating', timestamp: at, context: { page: 'account', device: snap.user.device } });
  if (rng.next() < SESSION.reviewWithRating) {
    sink({ ...base, type: 'review', timestamp: at + 1000, context: { page: 'account', device: snap.user.device } });
  }
}

function checkout(c: Cursor, cart: number[]): void {
  const { cat, snap, rng } = c.input;
  c.page = 'cart';
  c.query = undefined;
  for (const item of cart) {
    const a = appeal(cat, snap, item);
    if (rng.next() < SESSION.removeFromCart) {
      step(c);
      emit(c, 'remove_from_cart', item, 1);
    } else if (rng.next() < purchaseChance(cat, snap, item, a)) {
      step(c);
      emit(c, 'purchase', item, cat.items[item].price, { page: 'checkout' });
      if (rng.next() < SESSION.rateAfterPurchase) rate(c, item, c.time);
    }
  }
}

/**
 * One shopping session: pick an intent from current interests (maybe search for it), view listings,
 * click, favourite, cart, then check out. Every purchase follows a cart, every cart a click, every
 * click a view of the same item in the same session.
 */
export function runSession(input: SessionInput): void {
  const c: Cursor = { input, time: input.startMs, page: 'category', query: undefined };
  const { rng } = input;
  let intent = drawIntent(c);
  if (rng.next() < SESSION.searchAtStart) search(c, intent);
  const views = 1 + Math.floor(exponential(rng, SESSION.meanExtraViews));
  const cart: number[] = [];
  for (let v = 0; v < views; v++) {
    if (v > 0 && rng.next() < SESSION.switchIntent) {
      intent = drawIntent(c);
      c.page = 'category';
      c.query = undefined;
      if (rng.next() < SESSION.searchOnSwitch) search(c, intent);
    }
    if (rng.next() < SESSION.homePageView) {
      const saved = c.page;
      c.page = 'home';
      viewAndReact(c, input.shelf.samplerAll.draw(rng), cart);
      c.page = saved;
    } else {
      viewAndReact(c, browse(c, intent), cart);
    }
  }
  if (cart.length > 0) checkout(c, cart);
}
