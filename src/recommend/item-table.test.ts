import { describe, expect, it } from 'vitest';
import type { Item } from '../core/index.js';
import { ItemTable, NO_CATEGORY } from './item-table.js';

const item = (id: string, categoryPath: string[], extra: Partial<Item> = {}): Item =>
  ({
    id,
    title: `title ${id}`,
    categoryPath,
    available: true,
    createdAt: 1000,
    attributes: {},
    ...extra,
  }) as Item;

function table(ids: string[]): ItemTable {
  const t = new ItemTable(3_600_000);
  ids.forEach((id, k) => t.upsert(item(id, k % 3 === 2 ? [] : ['Top', k % 3 === 0 ? 'A' : 'B'], { available: k % 4 !== 1 })));
  ids.forEach((id, k) => t.addTrend(t.indexOf.get(id)!, k + 1, 1_000_000));
  return t;
}

/** What a reorder must keep per item: its catalogue data and trend, wherever it moved. */
const rowOf = (t: ItemTable, id: string) => {
  const i = t.indexOf.get(id)!;
  return {
    id: t.ids[i],
    title: t.titles[i],
    category: t.categoryOf(i),
    unavailable: t.unavailable[i],
    exists: t.exists[i],
    trend: t.trend[i],
  };
};

describe('ItemTable.reordered', () => {
  it('puts the new first items at the front, keeps the others in order, and moves every item with its data', async () => {
    const old = table(['a', 'b', 'c', 'd', 'e']);
    const { table: next, from } = await old.reordered(['d', 'new', 'b']);
    expect(next.ids).toEqual(['d', 'new', 'b', 'a', 'c', 'e']);
    expect(Array.from(from)).toEqual([3, -1, 1, 0, 2, 4]);
    for (const id of ['a', 'b', 'c', 'd', 'e']) expect(rowOf(next, id)).toEqual(rowOf(old, id));
    expect(next.category[next.indexOf.get('new')!]).toBe(NO_CATEGORY);
    expect(next.trendRefMs).toBe(old.trendRefMs);
  });

  it('copies when the order does not change, and the copy is independent of the original', async () => {
    const old = table(['a', 'b', 'c', 'd']);
    const { table: next, from } = await old.reordered(['a', 'b']);
    expect(next).not.toBe(old);
    expect(next.ids).toEqual(old.ids);
    expect(Array.from(from)).toEqual([0, 1, 2, 3]);
    for (const id of old.ids) expect(rowOf(next, id)).toEqual(rowOf(old, id));
    next.upsert(item('z', ['Other']));
    next.remove('a');
    next.addTrend(next.indexOf.get('b')!, 5, 1_000_000);
    expect(old.size).toBe(4);
    expect(old.categories).not.toContain('Other');
    expect(old.exists[old.indexOf.get('a')!]).toBe(1);
    expect(old.trend[1]).toBe(2);
  });

  it.each([
    ['the same order', (ids: string[]) => ids.slice(0, 100)],
    ['a new order', (ids: string[]) => [...ids].reverse().slice(0, 100)],
  ])('copies the table as it was when called (%s): changes made while it runs are left to the caller', async (_, firstOf) => {
    const ids = Array.from({ length: 20_000 }, (_, k) => `i${k}`);
    const old = table(ids);
    const pending = old.reordered(firstOf(ids));
    // While it runs (it hands the thread back), the live table changes.
    old.addTrend(old.indexOf.get('i5')!, 100, 1_000_000);
    old.upsert(item('late', ['Late']));
    old.remove('i7');
    const { table: next } = await pending;
    expect(next.trend[next.indexOf.get('i5')!]).toBe(6);
    expect(next.indexOf.has('late')).toBe(false);
    expect(next.exists[next.indexOf.get('i7')!]).toBe(1);
    expect(next.size).toBe(20_000);
  });

  it('hands the event loop back while reordering a large catalogue', async () => {
    const ids = Array.from({ length: 30_000 }, (_, k) => `i${k}`);
    const old = table(ids);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const { table: next } = await old.reordered([...ids].reverse().slice(0, 10_000));
    clearInterval(ticker);
    expect(next.ids[0]).toBe('i29999');
    expect(turns).toBeGreaterThan(0);
  });
});
