import { CurioError, type EpochMs, type Rng } from '../../core/index.js';
import { appeal, cartChance, clickChance, createSnapshot, examination, fillSnapshot, purchaseChance, type UserSnapshot } from './appeal.js';
import type { Catalogue } from './catalogue.js';
import type { ShopOptions } from './options.js';
import { DAY_MS, type UserModel } from './population.js';

/** What a user did with one slate. Arrays follow slate order; `clickPositions[k]` is the slot of `clicks[k]`. */
export interface SlateResponse {
  clicks: string[];
  clickPositions: number[];
  carts: string[];
  purchases: string[];
}

/** The response model: the same latent preferences as the logged events, under a position-based click model. */
export interface Responder {
  /** Samples a user's reaction to a slate shown at `time` (seeded: the shop's stream, or `rng`). */
  respond(userId: string, slate: readonly string[], time: EpochMs, rng?: Rng): SlateResponse;
  /** P(click) of an item shown at a 0-based position: examination(position) × attraction. */
  clickProbability(userId: string, itemId: string, position: number, time: EpochMs): number;
  /** P(purchase in this visit) of an item shown at a position: click × cart × checkout. */
  purchaseProbability(userId: string, itemId: string, position: number, time: EpochMs): number;
  /** The slate that maximises expected clicks: items by attraction, best first (the regret oracle). */
  oracleSlate(userId: string, size: number, time: EpochMs): string[];
}

export interface ResponderInput {
  options: ShopOptions;
  cat: Catalogue;
  users: UserModel[];
  rng: Rng;
}

/** Builds the response model over a generated catalogue and population. */
export function createResponder(input: ResponderInput): Responder {
  const { options, cat, rng: shopRng } = input;
  const userIndex = new Map(input.users.map((u, i) => [u.id, i]));
  const rampMs = options.driftRampDays * DAY_MS;
  const snap = createSnapshot(cat, input.users[0]);

  const userAt = (userId: string, time: EpochMs): UserSnapshot => {
    const index = userIndex.get(userId);
    if (index === undefined) throw new CurioError('NOT_FOUND', `unknown simulated user "${userId}"`);
    return fillSnapshot(snap, cat, input.users[index], time, rampMs);
  };
  const itemAt = (itemId: string): number => {
    const index = cat.indexOf.get(itemId);
    if (index === undefined) throw new CurioError('NOT_FOUND', `unknown simulated item "${itemId}"`);
    return index;
  };
  const checkPosition = (position: number): void => {
    if (!Number.isInteger(position) || position < 0)
      throw new CurioError('BAD_INPUT', `position must be a whole number >= 0, got ${position}`);
  };

  return {
    respond(userId, slate, time, rng = shopRng) {
      const items = slate.map(itemAt);
      const s = userAt(userId, time);
      const out: SlateResponse = { clicks: [], clickPositions: [], carts: [], purchases: [] };
      items.forEach((item, position) => {
        const a = appeal(cat, s, item);
        if (rng.next() >= examination(position, options.positionBiasExponent) * clickChance(a)) return;
        out.clicks.push(slate[position]);
        out.clickPositions.push(position);
        if (rng.next() >= cartChance(a)) return;
        out.carts.push(slate[position]);
        if (rng.next() < purchaseChance(cat, s, item, a)) out.purchases.push(slate[position]);
      });
      return out;
    },
    clickProbability(userId, itemId, position, time) {
      checkPosition(position);
      const item = itemAt(itemId);
      return examination(position, options.positionBiasExponent) * clickChance(appeal(cat, userAt(userId, time), item));
    },
    purchaseProbability(userId, itemId, position, time) {
      checkPosition(position);
      const item = itemAt(itemId);
      const s = userAt(userId, time);
      const a = appeal(cat, s, item);
      return examination(position, options.positionBiasExponent) * clickChance(a) * cartChance(a) * purchaseChance(cat, s, item, a);
    },
    oracleSlate(userId, size, time) {
      const s = userAt(userId, time);
      const scored = cat.items.map((_, i) => ({ i, a: appeal(cat, s, i) }));
      scored.sort((x, y) => y.a - x.a || x.i - y.i);
      return scored.slice(0, Math.max(0, size)).map(({ i }) => cat.items[i].id);
    },
  };
}
