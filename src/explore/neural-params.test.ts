import { describe, expect, it } from 'vitest';
import { standardScores } from './neural-params.js';
import type { Candidate } from './types.js';

const candidates = (...scores: number[]): Candidate[] => scores.map((score, i) => ({ itemId: `i${i}`, score }));

describe('standardScores', () => {
  it('standardises within the request and gives 0 when all scores are equal', () => {
    expect([...standardScores(candidates(1, 2, 3))].map((z) => +z.toFixed(6))).toEqual([-1.224745, 0, 1.224745]);
    expect([...standardScores(candidates(5, 5))]).toEqual([0, 0]);
  });

  it('keeps the order of the finite scores when one is not finite (a masked item must not flatten the slate)', () => {
    const z = standardScores(candidates(1, 2, 3, -Infinity, NaN, Infinity));
    expect([...z.slice(0, 3)].map((x) => +x.toFixed(6))).toEqual([-1.224745, 0, 1.224745]);
    expect(z[3]).toBeCloseTo(-1.224745, 6);
    expect(z[4]).toBeCloseTo(-1.224745, 6);
    expect(z[5]).toBeCloseTo(1.224745, 6);
    expect([...standardScores(candidates(-Infinity, NaN))]).toEqual([0, 0]);
  });
});
