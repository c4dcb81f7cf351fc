/**
 * Shoppers of the synthetic shop as an experiment sees them: each enters at their first visit in the
 * experiment period, and carries their purchases after it (day by day) and before the start (CUPED's
 * pre-period). The pre-period's own staggered-entry conversion is what a shop would plan with.
 */
import type { Shop } from '../../src/eval/simulator/index.js';

const DAY_MS = 86_400_000;

export interface ExperimentUser {
  id: string;
  /** Day index (0-based) of the first visit in the experiment period. */
  entryDay: number;
  /** Day index of the first purchase after entry, or Infinity. */
  conversionDay: number;
  /** Revenue by the end of each day (cumulative), from entry. */
  revenueByDay: Float64Array;
  /** Orders and revenue in the pre-period. */
  preOrders: number;
  preRevenue: number;
}

export interface ShopPopulation {
  users: ExperimentUser[];
  days: number;
  /** Conversion of users entering the pre-period by the start (same staggered window): the planning baseline. */
  preConversion: number;
  /** Mean and sd of pre-period revenue per entering user. */
  preRevenue: { mean: number; sd: number };
  meanOrderValue: number;
  events: number;
}

/** Reads the shop's stream once: the last `days` days are the experiment, the `days` before it the pre-period. */
export function experimentPopulation(shop: Shop, days: number, progress: (events: number) => void): ShopPopulation {
  const start = shop.endTime - days * DAY_MS;
  const preStart = start - days * DAY_MS;
  const entry = new Map<string, number>();
  const preEntered = new Set<string>();
  const preConverted = new Set<string>();
  const preRevenueOf = new Map<string, number>();
  const pre = new Map<string, { orders: number; revenue: number }>();
  const purchases = new Map<string, Array<{ day: number; value: number }>>();
  let events = 0;
  let orderValue = 0;
  let orders = 0;
  for (const e of shop.events()) {
    if (++events % 500_000 === 0) progress(events);
    if (e.timestamp < preStart) continue;
    const value = e.type === 'purchase' ? (e.value ?? 0) : 0;
    if (e.timestamp < start) {
      preEntered.add(e.userId);
      if (e.type !== 'purchase') continue;
      preConverted.add(e.userId);
      preRevenueOf.set(e.userId, (preRevenueOf.get(e.userId) ?? 0) + value);
      const p = pre.get(e.userId) ?? { orders: 0, revenue: 0 };
      p.orders += 1;
      p.revenue += value;
      pre.set(e.userId, p);
      continue;
    }
    const day = Math.floor((e.timestamp - start) / DAY_MS);
    if (!entry.has(e.userId)) entry.set(e.userId, day);
    if (e.type !== 'purchase') continue;
    orderValue += value;
    orders += 1;
    const list = purchases.get(e.userId) ?? [];
    list.push({ day, value });
    purchases.set(e.userId, list);
  }
  const users: ExperimentUser[] = [];
  for (const [id, entryDay] of entry) {
    const bought = purchases.get(id) ?? [];
    const revenueByDay = new Float64Array(days);
    for (const p of bought) revenueByDay[p.day] += p.value;
    for (let d = 1; d < days; d++) revenueByDay[d] += revenueByDay[d - 1];
    users.push({
      id,
      entryDay,
      conversionDay: bought.length > 0 ? bought[0].day : Infinity,
      revenueByDay,
      preOrders: pre.get(id)?.orders ?? 0,
      preRevenue: pre.get(id)?.revenue ?? 0,
    });
  }
  users.sort((a, b) => a.entryDay - b.entryDay);
  const preValues = [...preEntered].map((id) => preRevenueOf.get(id) ?? 0);
  const mean = preValues.reduce((a, b) => a + b, 0) / preValues.length;
  const sd = Math.sqrt(preValues.reduce((a, v) => a + (v - mean) ** 2, 0) / (preValues.length - 1));
  return {
    users,
    days,
    preConversion: preConverted.size / preEntered.size,
    preRevenue: { mean, sd },
    meanOrderValue: orders > 0 ? orderValue / orders : 0,
    events,
  };
}
