import { describe, expect, it } from 'vitest';
import { logGamma, regularizedBeta, regularizedUpperGamma } from './special-functions.js';

describe('logGamma', () => {
  it('matches factorials and Γ(½) = √π', () => {
    expect(logGamma(10)).toBeCloseTo(Math.log(362_880), 12);
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });

  it('matches reference values below ½ (reflection) and at large arguments', () => {
    expect(logGamma(0.1)).toBeCloseTo(2.2527126517342055, 12);
    expect(logGamma(171.5) / 709.1431630309282).toBeCloseTo(1, 13);
    expect(logGamma(1e5) / 1051287.7089736566).toBeCloseTo(1, 13);
  });
});

describe('regularizedUpperGamma', () => {
  it('is exp(−x) at a = 1 and erfc(√x) at a = ½', () => {
    for (const x of [0.01, 0.5, 1, 3, 20]) expect(regularizedUpperGamma(1, x) / Math.exp(-x)).toBeCloseTo(1, 12);
    expect(regularizedUpperGamma(0.5, 20) / 2.5396285894708634e-10).toBeCloseTo(1, 10);
  });

  it('matches reference values on both sides of x = a + 1', () => {
    expect(regularizedUpperGamma(2.5, 1.3)).toBeCloseTo(0.761365267845014, 13);
    expect(regularizedUpperGamma(50, 45)).toBeCloseTo(0.7531979655998298, 12);
    expect(regularizedUpperGamma(3, 0)).toBe(1);
  });
});

describe('regularizedBeta', () => {
  it('matches a polynomial case and reference values', () => {
    // For whole a and b it is a binomial tail: I_x(2, 3) = P(Binomial(4, x) ≥ 2) = 6x² − 8x³ + 3x⁴.
    const x = 0.4;
    expect(regularizedBeta(x, 2, 3)).toBeCloseTo(x * x * (6 - 8 * x + 3 * x * x), 14);
    expect(regularizedBeta(0.0001, 0.5, 5000)).toBeCloseTo(0.6826894927420731, 12);
    expect(regularizedBeta(0.9, 10, 0.5)).toBeCloseTo(0.15164090963470994, 12);
  });

  it('is 0 and 1 at the ends and symmetric: I_x(a, b) = 1 − I_{1−x}(b, a)', () => {
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
    for (const x of [0.05, 0.3, 0.7, 0.95]) expect(regularizedBeta(x, 3.5, 1.5) + regularizedBeta(1 - x, 1.5, 3.5)).toBeCloseTo(1, 13);
  });
});
