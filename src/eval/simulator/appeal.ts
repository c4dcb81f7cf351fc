import type { EpochMs } from '../../core/index.js';
import type { Catalogue } from './catalogue.js';
import { interestVector, type UserModel } from './population.js';
import { sigmoid } from './sampling.js';
import { STYLE_COUNT } from './vocabulary.js';

/**
 * The one preference model behind both the logged events and `respond`: appeal is a utility on a logit
 * scale, and each funnel step is a logistic function of appeal plus a step bias. docs/simulator.md
 * derives the rates these give.
 */
export const APPEAL = {
  /** Weight of the latent dot product (interest weights sum to 1, so a 3-interest user gets ~+1.7). */
  preferenceScale: 5,
  /** An item's topic vector has 1 on its subcategory and this on each sibling subcategory. */
  siblingAffinity: 0.25,
  /** Weight of style taste × item style. */
  styleScale: 0.6,
  /** Weight of the z-scored log exposure (popular items appeal a little more). */
  popularityScale: 0.3,
  /** Weight of user price sensitivity × z-scored log price. */
  priceScale: 0.7,
} as const;

/** Step biases of the funnel, on the logit scale. */
export const FUNNEL = {
  click: -4.2,
  cart: -5,
  purchase: -4.2,
  /** Purchase is more price-sensitive than clicking: extra weight on the price term at checkout. */
  purchasePriceScale: 0.6,
} as const;

/** A user's preferences frozen at one instant: the interest vector over subcategories and per top category. */
export interface UserSnapshot {
  user: UserModel;
  interest: Float64Array;
  topInterest: Float64Array;
}

/** Allocates a snapshot buffer for a catalogue; reuse it across sessions with `fillSnapshot`. */
export function createSnapshot(cat: Catalogue, user: UserModel): UserSnapshot {
  return { user, interest: new Float64Array(cat.subcategories.length), topInterest: new Float64Array(cat.topCount) };
}

/** Recomputes a snapshot for a user at a time (drift makes it time-dependent). */
export function fillSnapshot(snap: UserSnapshot, cat: Catalogue, user: UserModel, time: EpochMs, rampMs: number): UserSnapshot {
  snap.user = user;
  interestVector(user, time, rampMs, snap.interest);
  snap.topInterest.fill(0);
  for (let s = 0; s < snap.interest.length; s++) snap.topInterest[cat.subcategories[s].top] += snap.interest[s];
  return snap;
}

/** Latent dot product of the user's interests and the item's topic vector, in [0, 1]. */
export function topicMatch(cat: Catalogue, snap: UserSnapshot, item: number): number {
  const w = snap.interest[cat.sub[item]];
  return w + APPEAL.siblingAffinity * (snap.topInterest[cat.top[item]] - w);
}

/** Appeal of an item to a user (logit scale): topic match + style + popularity − price + quality (+ taste for its look). */
export function appeal(cat: Catalogue, snap: UserSnapshot, item: number): number {
  let style = 0;
  const mask = cat.styles[item];
  if (mask !== 0) for (let s = 0; s < STYLE_COUNT; s++) if (mask & (1 << s)) style += snap.user.style[s];
  const look = cat.look[item];
  const visual = look >= 0 && cat.visualTaste !== 0 ? cat.visualTaste * snap.user.lookTaste[look] : 0;
  return (
    visual +
    APPEAL.preferenceScale * topicMatch(cat, snap, item) +
    APPEAL.styleScale * style +
    APPEAL.popularityScale * cat.popularityZ[item] -
    APPEAL.priceScale * snap.user.priceSensitivity * cat.priceZ[item] +
    cat.quality[item]
  );
}

/** P(click | examined). */
export function clickChance(a: number): number {
  return sigmoid(a + FUNNEL.click);
}

/** P(cart | click). */
export function cartChance(a: number): number {
  return sigmoid(a + FUNNEL.cart);
}

/** P(purchase | cart): checkout weighs price once more. */
export function purchaseChance(cat: Catalogue, snap: UserSnapshot, item: number, a: number): number {
  return sigmoid(a + FUNNEL.purchase - FUNNEL.purchasePriceScale * snap.user.priceSensitivity * cat.priceZ[item]);
}

/** Position bias: the chance that slot `position` (0-based) is examined at all. */
export function examination(position: number, exponent: number): number {
  return 1 / (position + 1) ** exponent;
}
