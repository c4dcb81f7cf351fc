import { describe, expect, it } from 'vitest';
import { createRng, type Event } from '../core/index.js';
import { releaseItemCounts } from './published-counts.js';
import { RecentAudiences } from './recent-audiences.js';

const catalogue = ['a', 'b', 'c', 'd', 'e', 'f'];
const trending = [
  { itemId: 'a', users: 9 },
  { itemId: 'b', users: 5 },
  { itemId: 'c', users: 4 },
  { itemId: 'd', users: 1 },
];
const popular = [...trending, { itemId: 'e', users: 30 }];

describe('releaseItemCounts', () => {
  it('exact counts: lists only items of at least k users, and counts the ones left out', () => {
    const release = releaseItemCounts(catalogue, { trending, popular }, { minGroupSize: 5, epsilon: null, maxItemsPerUser: 10 }, 7);
    expect(release).toMatchObject({ releasedAt: 7, minGroupSize: 5, noise: null });
    expect([...release.trending.allowed].sort()).toEqual(['a', 'b']);
    expect(release.trending).toMatchObject({ ranked: null, suppressed: 2 });
    expect([...release.popular.allowed].sort()).toEqual(['a', 'b', 'e']);
    // k of 0 or 1 lists every item someone acted on, and nothing nobody did.
    const open = releaseItemCounts(catalogue, { trending, popular }, { minGroupSize: 0, epsilon: null, maxItemsPerUser: 10 }, 7);
    expect([...open.trending.allowed].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(open.trending.suppressed).toBe(0);
  });

  it('under ε: each list spends ε/2 with the per-user bound as sensitivity, ranked by noised counts over the whole catalogue', () => {
    const options = { minGroupSize: 5, epsilon: 1, maxItemsPerUser: 4 };
    const release = releaseItemCounts(catalogue, { trending, popular }, { ...options, noise: createRng(1) }, 7);
    expect(release.noise).toEqual({ epsilon: 0.5, sensitivity: 4, scale: 8 });
    const ranked = release.trending.ranked!;
    expect(ranked.every((c) => c.count >= 5 && Number.isInteger(c.count))).toBe(true);
    expect(ranked.map((c) => c.count)).toEqual([...ranked.map((c) => c.count)].sort((x, y) => y - x));
    expect(new Set(ranked.map((c) => c.item))).toEqual(release.trending.allowed);

    // Over many releases: items nobody acted on are sometimes listed (their absence would tell), the
    // ranking is not always the exact one, and with a large ε it is.
    const rng = createRng(2);
    let zeroListed = 0;
    let reordered = 0;
    for (let r = 0; r < 200; r++) {
      const noisy = releaseItemCounts(catalogue, { trending, popular }, { ...options, noise: rng }, r);
      if (noisy.trending.allowed.has('f')) zeroListed++;
      if (noisy.trending.ranked![0]?.item !== 'a') reordered++;
    }
    expect(zeroListed).toBeGreaterThan(0);
    expect(reordered).toBeGreaterThan(0);
    const sharp = releaseItemCounts(catalogue, { trending, popular }, { ...options, epsilon: 100, noise: rng }, 0);
    expect(sharp.trending.ranked!.map((c) => c.item)).toEqual(['a', 'b']);
  });
});

describe('RecentAudiences', () => {
  const event = (userId: string, itemId: string, timestamp: number, type: Event['type'] = 'view'): Event => ({
    id: `${userId}-${itemId}-${timestamp}`,
    userId,
    itemId,
    type,
    value: null,
    timestamp,
    sessionId: null,
    context: {},
  });

  it('says an item reached k distinct users within the window, not counting repeats or impressions', () => {
    const audiences = new RecentAudiences(3, 1000);
    audiences.observe([event('u1', 'x', 0), event('u1', 'x', 1), event('u2', 'x', 2), event('u3', 'x', 3, 'impression')]);
    expect(audiences.reaches('x')).toBe(false);
    audiences.observe([event('u3', 'x', 4)]);
    expect(audiences.reaches('x')).toBe(true);
    // Time moves on (other items' events): u1's and u2's acts leave the window.
    audiences.observe([event('u9', 'y', 1003)]);
    expect(audiences.reaches('x')).toBe(false);
    audiences.observe([event('u4', 'x', 1004), event('u5', 'x', 1005), event('u6', 'x', 1006)]);
    expect(audiences.reaches('x')).toBe(true);
    audiences.forget('u6');
    expect(audiences.reaches('x')).toBe(false);
  });
});
