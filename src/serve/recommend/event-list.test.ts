import { describe, expect, it } from 'vitest';
import { EventList, idHash } from './event-list.js';

describe('idHash', () => {
  it('gives 200,000 event-like ids distinct 53-bit hashes', () => {
    const seen = new Set<number>();
    for (let k = 0; k < 100_000; k++) {
      for (const id of [`imp:0192f1c2-7a3b-7c4d-8e5f-${k.toString(16).padStart(12, '0')}:${k % 10}`, `e${k}`]) {
        const h = idHash(id);
        expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
        seen.add(h);
      }
    }
    expect(seen.size).toBe(200_000);
  });
});

describe('EventList', () => {
  const list = (max: number, events: Array<[string, number]>) => {
    const l = new EventList(max);
    for (const [id, t] of events) l.insert(id, `item-${id}`, 'view', t);
    return l;
  };

  it('keeps the newest max by time, late events in place, equal times in arrival order', () => {
    const l = list(3, [['a', 10], ['b', 30], ['c', 20], ['d', 30], ['e', 5]]);
    expect(l.items).toEqual(['item-c', 'item-b', 'item-d']);
    expect(l.times).toEqual([20, 30, 30]);
  });

  it('ignores an id it already holds, whatever its time', () => {
    const l = list(5, [['a', 10], ['b', 20], ['a', 30]]);
    expect(l.items).toEqual(['item-a', 'item-b']);
  });

  it('drops an event older than a full list, keeps it when there is room', () => {
    expect(list(2, [['a', 10], ['b', 20], ['c', 1]]).items).toEqual(['item-a', 'item-b']);
    expect(list(3, [['a', 10], ['b', 20], ['c', 1]]).items).toEqual(['item-c', 'item-a', 'item-b']);
  });
});
