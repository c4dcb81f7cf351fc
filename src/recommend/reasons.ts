import type { EventType } from '../core/index.js';
import { neighbourWeight } from './covisit.js';
import { NO_CATEGORY } from './item-table.js';
import type { Profile } from './profile.js';
import type { RankedCandidate } from './rank.js';
import type { ServingSnapshot } from './snapshot.js';

const viewed = (t: string) => `viewed ${t}`;
const DID: Partial<Record<EventType, (title: string) => string>> = {
  view: viewed,
  click: (t) => `viewed ${t}`,
  cart: (t) => `added ${t} to your cart`,
  remove_from_cart: (t) => `looked at ${t}`,
  favorite: (t) => `saved ${t}`,
  purchase: (t) => `bought ${t}`,
  review: (t) => `reviewed ${t}`,
  rating: (t) => `rated ${t}`,
};

/** What a reason needs to know about the request. */
export interface ReasonContext {
  snap: ServingSnapshot;
  profile: Profile;
  historyIndex: Int32Array;
  /** Category ids of the user's history. */
  seenCategories: ReadonlySet<number>;
}

/** The history position of the recent item most co-visited with `index`, or -1. */
function bestAnchor(ctx: ReasonContext, index: number): number {
  let best = -1;
  let bestWeight = 0;
  for (let h = ctx.historyIndex.length - 1; h >= Math.max(0, ctx.historyIndex.length - 10); h--) {
    const i = ctx.historyIndex[h];
    if (i < 0 || ctx.profile.history[h].type === 'dislike') continue;
    const w = neighbourWeight(ctx.snap.similar, i, index);
    if (w > bestWeight) [best, bestWeight] = [h, w];
  }
  return best;
}

/** A human-readable reason for one shown item ("because you viewed X", "popular in Y", ...). */
export function reasonFor(ctx: ReasonContext, r: RankedCandidate, explored: boolean): string {
  const t = ctx.snap.items;
  const c = t.category[r.index];
  const leaf = c === NO_CATEGORY ? null : t.categoryLeaf[c];
  const personal = ctx.profile.history.length > 0;
  if (!Number.isNaN(r.lookalike)) {
    if (explored) return 'exploring: another look like your picture';
    return personal && leaf && ctx.seenCategories.has(c) ? `looks like your picture, in ${leaf} you like` : 'looks like your picture';
  }
  if (!personal) {
    if (r.isNew) return leaf ? `new in ${leaf}` : 'new in the shop';
    return leaf ? `popular in ${leaf}` : 'popular right now';
  }
  if (leaf && !ctx.seenCategories.has(c) && (r.pool || explored)) return `exploring a new interest: ${leaf}`;
  const anchor = r.anchor >= 0 ? r.anchor : bestAnchor(ctx, r.index);
  if (anchor >= 0) {
    const event = ctx.profile.history[anchor];
    const title = t.titles[ctx.historyIndex[anchor]] || event.itemId;
    return `because you ${(DID[event.type] ?? viewed)(title)}`;
  }
  if (r.isNew) return leaf ? `new in ${leaf}` : 'new in the shop';
  if (leaf && ctx.seenCategories.has(c)) return `matches your interest in ${leaf}`;
  if (explored) return leaf ? `exploring: ${leaf}` : 'exploring something new';
  return leaf ? `popular in ${leaf}` : 'trending now';
}
