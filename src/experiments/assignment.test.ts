import { describe, expect, it } from 'vitest';
import { assignArm } from './assignment.js';
import type { Arm } from './experiment.js';

const arm = (id: string, weight: number): Arm => ({ id, weight, description: '' });
const users = Array.from({ length: 20_000 }, (_, k) => `user-${k}`);

/** Pearson's chi-square of observed counts against expected shares. */
function chiSquare(observed: number[], shares: number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((s, o, k) => s + (o - n * shares[k]) ** 2 / (n * shares[k]), 0);
}

describe('assignArm', () => {
  it('splits users by the weights (chi-square within its 99.9% quantile)', () => {
    const arms = [arm('a', 1), arm('b', 1), arm('c', 2)];
    const counts = [0, 0, 0];
    for (const u of users) counts[arms.indexOf(assignArm('exp-1', u, arms))]++;
    // 2 degrees of freedom: the 99.9% quantile is 13.82.
    expect(chiSquare(counts, [0.25, 0.25, 0.5])).toBeLessThan(13.82);
  });

  it('is sticky: the same user, experiment and arms give the same arm, whatever the arms order', () => {
    const arms = [arm('a', 1), arm('b', 3)];
    for (const u of users.slice(0, 500)) {
      expect(assignArm('exp-1', u, arms).id).toBe(assignArm('exp-1', u, [...arms].reverse()).id);
    }
  });

  it('moves only the users it must when one weight changes', () => {
    const before = [arm('a', 1), arm('b', 1), arm('c', 1)];
    const after = [arm('a', 1), arm('b', 1), arm('c', 2)];
    let moved = 0;
    for (const u of users) {
      const x = assignArm('exp-2', u, before).id;
      const y = assignArm('exp-2', u, after).id;
      if (x !== y) {
        moved++;
        // Growing c only draws users into c.
        expect(y).toBe('c');
      }
    }
    // From 1/3 to 1/2 of the traffic: about a sixth of the users move, no more.
    expect(moved / users.length).toBeGreaterThan(0.15);
    expect(moved / users.length).toBeLessThan(0.185);
  });

  it('assigns independently in different experiments', () => {
    const arms = [arm('a', 1), arm('b', 1)];
    let same = 0;
    for (const u of users) if (assignArm('x', u, arms).id === assignArm('y', u, arms).id) same++;
    expect(same / users.length).toBeGreaterThan(0.48);
    expect(same / users.length).toBeLessThan(0.52);
  });
});
