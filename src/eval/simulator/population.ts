import type { EpochMs, Rng } from '../../core/index.js';
import type { Catalogue } from './catalogue.js';
import type { ShopOptions } from './options.js';
import { pickWeighted, poisson } from './sampling.js';
import { STYLE_COUNT, STYLES } from './vocabulary.js';

export const DAY_MS = 86_400_000;
/** Chance that a user's next interest is a sibling (same top category) of one they hold. */
const SIBLING_INTEREST_CHANCE = 0.4;
/** Chance that a drift event also starts fading one of the old interests. */
const FADE_WITH_DRIFT_CHANCE = 0.7;
const DEVICES = ['mobile', 'mobile', 'mobile', 'desktop', 'desktop', 'tablet'] as const;

/** One latent interest over time: full weight between fading in at appearsAt and fading out from fadesAt. */
export interface InterestSpan {
  /** Subcategory index. */
  sub: number;
  weight: number;
  /** null: held from the start. */
  appearsAt: EpochMs | null;
  /** null: never fades. */
  fadesAt: EpochMs | null;
}

/** A shopper as the generator sees it; `SimUser` is the public, serialisable view. */
export interface UserModel {
  index: number;
  id: string;
  /** Multiplies the session rate; log-normal with mean 1. */
  activity: number;
  /** How strongly a price above the subcategory's typical price puts the user off (0..1.5). */
  priceSensitivity: number;
  /** Taste for each style, mostly 0. */
  style: Float64Array;
  spans: InterestSpan[];
  device: string;
  /** Taste for each look (Fashion-MNIST class) of a pictured item; filled by assignLooks (looks.ts). */
  lookTaste: Float64Array;
}

/** A simulated shopper with the ground truth an evaluation may compare against. */
export interface SimUser {
  id: string;
  activity: number;
  priceSensitivity: number;
  device: string;
  /** Style tag → taste (only non-zero ones). */
  styles: Record<string, number>;
  /** The latent interest trajectory; weights are relative (normalised at each instant). */
  interests: Array<{ categoryPath: string[]; weight: number; appearsAt: EpochMs | null; fadesAt: EpochMs | null }>;
  /** True when interests change during the simulated period. */
  drifting: boolean;
}

/** A user's interest in one subcategory at one time; weights of one answer sum to 1. */
export interface TrueInterest {
  categoryPath: string[];
  weight: number;
}

interface Prior {
  subs: number[];
  weights: number[];
}

/** Subcategories users may hold, weighted by catalogue share: big departments attract more people. */
function interestPrior(cat: Catalogue): Prior {
  const subs = cat.itemsBySub.flatMap((ids, s) => (ids.length > 0 ? [s] : []));
  return { subs, weights: subs.map((s) => Math.sqrt(cat.itemsBySub[s].length)) };
}

function drawSub(rng: Rng, cat: Catalogue, prior: Prior, held: InterestSpan[]): number {
  if (held.length > 0 && rng.next() < SIBLING_INTEREST_CHANCE) {
    const top = cat.subcategories[held[rng.int(held.length)].sub].top;
    const siblings = prior.subs.filter((s) => cat.subcategories[s].top === top && !held.some((h) => h.sub === s));
    if (siblings.length > 0) return siblings[rng.int(siblings.length)];
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const s = prior.subs[pickWeighted(rng, prior.weights)];
    if (!held.some((h) => h.sub === s)) return s;
  }
  return prior.subs[pickWeighted(rng, prior.weights)];
}

/** Schedules drift: on a drift day a new interest fades in and, often, an old one starts fading out. */
function addDrift(user: UserModel, options: ShopOptions, cat: Catalogue, prior: Prior, rng: Rng): void {
  for (let d = 0; d < options.days; d++) {
    if (rng.next() >= options.driftRatePerDay) continue;
    const at = options.startTime + d * DAY_MS + rng.int(DAY_MS);
    const lasting = user.spans.filter((s) => s.fadesAt === null);
    const sub = drawSub(rng, cat, prior, lasting);
    if (rng.next() < FADE_WITH_DRIFT_CHANCE && lasting.length >= 2) lasting[rng.int(lasting.length)].fadesAt = at;
    user.spans.push({ sub, weight: 1.2 * Math.exp(0.5 * rng.normal()), appearsAt: at, fadesAt: null });
  }
}

/** Generates shoppers: a sparse mixture of subcategory interests, style tastes, price sensitivity, drift. */
export function createPopulation(options: ShopOptions, cat: Catalogue, rng: Rng): UserModel[] {
  const prior = interestPrior(cat);
  const users: UserModel[] = [];
  for (let u = 0; u < options.users; u++) {
    const count = Math.min(prior.subs.length, 1 + poisson(rng, options.interestsPerUser - 1));
    const spans: InterestSpan[] = [];
    for (let k = 0; k < count; k++) {
      spans.push({ sub: drawSub(rng, cat, prior, spans), weight: Math.exp(0.7 * rng.normal()), appearsAt: null, fadesAt: null });
    }
    const style = new Float64Array(STYLE_COUNT);
    for (let s = 0; s < STYLE_COUNT; s++) if (rng.next() < 0.3) style[s] = 0.8 * rng.normal();
    const user: UserModel = {
      index: u,
      id: `u${u + 1}`,
      activity: Math.exp(0.8 * rng.normal() - 0.32),
      priceSensitivity: 1.5 * rng.next(),
      style,
      spans,
      device: DEVICES[rng.int(DEVICES.length)],
      lookTaste: new Float64Array(0),
    };
    addDrift(user, options, cat, prior, rng);
    users.push(user);
  }
  return users;
}

/** A span's weight at a time: linear ramps of `rampMs` in and out. */
export function spanWeight(span: InterestSpan, time: EpochMs, rampMs: number): number {
  const up = span.appearsAt === null ? 1 : Math.min(1, Math.max(0, (time - span.appearsAt) / rampMs));
  const down = span.fadesAt === null ? 1 : Math.min(1, Math.max(0, 1 - (time - span.fadesAt) / rampMs));
  return span.weight * up * down;
}

/** Fills `out` (one slot per subcategory) with the user's normalised interests at a time. */
export function interestVector(user: UserModel, time: EpochMs, rampMs: number, out: Float64Array): Float64Array {
  out.fill(0);
  let total = 0;
  for (const span of user.spans) {
    const w = spanWeight(span, time, rampMs);
    out[span.sub] += w;
    total += w;
  }
  if (total > 0) for (let s = 0; s < out.length; s++) out[s] /= total;
  return out;
}

/** The public view of a user, with category paths and style tags instead of indexes. */
export function toSimUser(user: UserModel, cat: Catalogue): SimUser {
  const styles: Record<string, number> = {};
  user.style.forEach((v, s) => {
    if (v !== 0) styles[STYLES[s].tag] = v;
  });
  return {
    id: user.id,
    activity: user.activity,
    priceSensitivity: user.priceSensitivity,
    device: user.device,
    styles,
    interests: user.spans.map((s) => ({
      categoryPath: [...cat.subcategories[s.sub].path],
      weight: s.weight,
      appearsAt: s.appearsAt,
      fadesAt: s.fadesAt,
    })),
    drifting: user.spans.some((s) => s.appearsAt !== null || s.fadesAt !== null),
  };
}

/** The user's true interests at a time, strongest first. */
export function trueInterestsOf(user: UserModel, time: EpochMs, rampMs: number, cat: Catalogue): TrueInterest[] {
  const vector = interestVector(user, time, rampMs, new Float64Array(cat.subcategories.length));
  const out: TrueInterest[] = [];
  vector.forEach((weight, s) => {
    if (weight > 0) out.push({ categoryPath: [...cat.subcategories[s].path], weight });
  });
  return out.sort((a, b) => b.weight - a.weight);
}
