import { describe, expect, it } from 'vitest';
import { SLOPE_CANDIDATES, selectBySlope } from './slope.js';

const at = (estimate: number, stdError: number) => ({ estimate, stdError, lower: estimate - 2 * stdError, upper: estimate + 2 * stdError });

describe('SLOPE estimator selection', () => {
  it('walks SNIPS, DR and switch-DR from the largest τ down', () => {
    expect(SLOPE_CANDIDATES).toEqual([
      'snips',
      'dr',
      'switch-dr@64',
      'switch-dr@32',
      'switch-dr@16',
      'switch-dr@8',
      'switch-dr@4',
      'switch-dr@2',
      'switch-dr@1',
    ]);
  });

  it('takes the narrowest estimator when every interval agrees', () => {
    const s = selectBySlope({ snips: at(0.1, 0.02), dr: at(0.11, 0.03), 'switch-dr@4': at(0.105, 0.01) }, ['snips', 'dr', 'switch-dr@4']);
    expect(s.order).toEqual(['dr', 'snips', 'switch-dr@4']);
    expect(s.chosen).toBe('switch-dr@4');
  });

  it('stops before the first estimator whose interval leaves the common intersection of the wider ones', () => {
    const candidates = {
      dr: at(0.1, 0.02), // [0.06, 0.14]
      'switch-dr@8': at(0.09, 0.01), // [0.07, 0.11]: meets DR
      'switch-dr@2': at(0.12, 0.005), // [0.11, 0.13]: meets DR, touches @8 at 0.11
      'switch-dr@1': at(0.135, 0.002), // [0.131, 0.139]: meets DR but not the others' intersection {0.11}
    };
    const s = selectBySlope(candidates, Object.keys(candidates));
    expect(s.chosen).toBe('switch-dr@2');
    // A biased low-variance estimator far from the rest is never taken.
    expect(selectBySlope({ dr: at(0.1, 0.02), 'switch-dr@1': at(0.3, 0.001) }, ['dr', 'switch-dr@1']).chosen).toBe('dr');
  });

  it('keeps the bias order between equal standard errors, and leaves out candidates without a finite interval', () => {
    const s = selectBySlope({
      dr: at(0.1, 0.01),
      'switch-dr@64': at(0.1, 0.01),
      snips: { estimate: NaN, lower: NaN, upper: NaN, stdError: NaN },
    });
    expect(s.order).toEqual(['dr', 'switch-dr@64']);
    expect(s.chosen).toBe('switch-dr@64');
    expect(Object.keys(s.candidates)).toEqual(['dr', 'switch-dr@64']);
    expect(selectBySlope({}).chosen).toBe('');
  });
});
