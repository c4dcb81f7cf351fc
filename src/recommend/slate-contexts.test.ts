import { describe, expect, it } from 'vitest';
import { standardScores, type Candidate } from '../explore/index.js';
import { SlateContexts } from './slate-contexts.js';

const candidates: Candidate[] = [
  { itemId: 'a', score: 3, uncertainty: 0.5 },
  { itemId: 'b', score: 2 },
  { itemId: 'c', score: 1, uncertainty: 0.25 },
];

describe('SlateContexts', () => {
  it("gives a shown item's standardised score, uncertainty and the slate's user vector", () => {
    const contexts = new SlateContexts(10);
    const state = Float32Array.of(1, 0);
    contexts.remember('r1', 'u1', state, candidates, ['c', 'b', 'zzz']);
    const z = standardScores(candidates);
    expect(contexts.get('r1', 'c')).toEqual({ state, score: z[2], uncertainty: 0.25 });
    expect(contexts.get('r1', 'b')).toEqual({ state, score: z[1], uncertainty: undefined });
    // Not shown, not a candidate, or an unknown slate: nothing.
    expect(contexts.get('r1', 'a')).toBeUndefined();
    expect(contexts.get('r1', 'zzz')).toBeUndefined();
    expect(contexts.get('r2', 'c')).toBeUndefined();
  });

  it('forgets the oldest beyond its capacity, and every slate of an erased user', () => {
    const contexts = new SlateContexts(2);
    contexts.remember('r1', 'u1', null, candidates, ['a']);
    contexts.remember('r2', 'u2', null, candidates, ['a']);
    contexts.remember('r3', 'u1', null, candidates, ['a']);
    expect(contexts.size).toBe(2);
    expect(contexts.get('r1', 'a')).toBeUndefined();
    expect(contexts.holds('u1')).toBe(true);
    expect(contexts.forget('u1')).toBe(1);
    expect(contexts.holds('u1')).toBe(false);
    expect(contexts.get('r2', 'a')?.score).toBeCloseTo(standardScores(candidates)[0], 12);
  });
});
