import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { EventList } from './event-list.js';

describe('EventList', () => {
  const items = (l: EventList) => l.map((itemId) => itemId);
  const list = (max: number, events: Array<[string, number]>) => {
    const l = new EventList(max);
    for (const [id, t] of events) l.insert(id, `item-${id}`, 'view', t);
    return l;
  };

  it('keeps the newest max by time, late events in place, equal times in arrival order', () => {
    const l = list(3, [
      ['a', 10],
      ['b', 30],
      ['c', 20],
      ['d', 30],
      ['e', 5],
    ]);
    expect(items(l)).toEqual(['item-c', 'item-b', 'item-d']);
    expect(l.map((_, __, t) => t)).toEqual([20, 30, 30]);
  });

  it('ignores an id it already holds, whatever its time', () => {
    const l = list(5, [
      ['a', 10],
      ['b', 20],
      ['a', 30],
    ]);
    expect(items(l)).toEqual(['item-a', 'item-b']);
  });

  it('drops an event older than a full list, keeps it when there is room', () => {
    expect(
      items(
        list(2, [
          ['a', 10],
          ['b', 20],
          ['c', 1],
        ]),
      ),
    ).toEqual(['item-a', 'item-b']);
    expect(
      items(
        list(3, [
          ['a', 10],
          ['b', 20],
          ['c', 1],
        ]),
      ),
    ).toEqual(['item-c', 'item-a', 'item-b']);
  });

  it('matches a sorted reference through many wrap-arounds of its ring', () => {
    const rng = createRng(5);
    const l = new EventList(7);
    const reference: Array<{ id: string; t: number }> = [];
    for (let k = 0; k < 2_000; k++) {
      // Mostly newest-last, some late, some re-delivered ids.
      const id = rng.next() < 0.1 && reference.length > 0 ? reference[rng.int(reference.length)].id : `e${k}`;
      const t = k - (rng.next() < 0.2 ? rng.int(10) : 0);
      l.insert(id, id, 'view', t);
      if (!reference.some((r) => r.id === id)) {
        let at = reference.length;
        while (at > 0 && reference[at - 1].t > t) at--;
        if (!(at === 0 && reference.length >= 7)) reference.splice(at, 0, { id, t });
        if (reference.length > 7) reference.splice(0, reference.length - 7);
      }
      expect(items(l)).toEqual(reference.map((r) => r.id));
    }
  });
});
