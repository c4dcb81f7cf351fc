import { describe, expect, it } from 'vitest';
import { LocalChangeFeed, type Change } from './change-feed.js';

describe('LocalChangeFeed', () => {
  it('delivers each change to every subscriber in publish order, and not after unsubscribing', () => {
    const feed = new LocalChangeFeed();
    const a: Change[] = [];
    const b: Change[] = [];
    const stopA = feed.subscribe((c) => a.push(c));
    feed.subscribe((c) => b.push(c));
    feed.publish({ kind: 'item-deleted', itemId: 'x' });
    feed.publish({ kind: 'user-erased', userId: 'u', origin: 'me' });
    stopA();
    feed.publish({ kind: 'item-deleted', itemId: 'y' });
    expect(a.map((c) => c.kind)).toEqual(['item-deleted', 'user-erased']);
    expect(b).toHaveLength(3);
    expect(b[1]).toEqual({ kind: 'user-erased', userId: 'u', origin: 'me' });
  });

  it('lets a subscriber unsubscribe while a change is being delivered without skipping the others', () => {
    const feed = new LocalChangeFeed();
    const seen: string[] = [];
    const stop = feed.subscribe(() => {
      seen.push('first');
      stop();
    });
    feed.subscribe(() => seen.push('second'));
    feed.publish({ kind: 'item-deleted', itemId: 'x' });
    feed.publish({ kind: 'item-deleted', itemId: 'y' });
    expect(seen).toEqual(['first', 'second', 'second']);
  });
});
