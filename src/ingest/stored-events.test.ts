import { describe, expect, it } from 'vitest';
import type { Event } from '../core/index.js';
import { storedEvents } from './stored-events.js';

const event = (id: string): Event => ({
  id,
  userId: 'u',
  itemId: 'i',
  type: 'view',
  value: null,
  timestamp: 1,
  sessionId: null,
  context: {},
});

describe('storedEvents', () => {
  it('keeps the first occurrence of each id the store accepted, dropping earlier-stored and repeated ids', () => {
    const batch = [event('a'), event('b'), event('a'), event('c')];
    const kept = storedEvents(batch, { accepted: 2, duplicates: 2, duplicateIds: ['b', 'a'] });
    expect(kept.map((e) => e.id)).toEqual(['a', 'c']);
    expect(storedEvents(batch.slice(0, 2), { accepted: 2, duplicates: 0, duplicateIds: [] })).toHaveLength(2);
  });
});
