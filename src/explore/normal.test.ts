import { describe, expect, it } from 'vitest';
import { normalCdf, normalPdf, normalQuantile, probitCorrections } from './normal.js';

describe('normal helpers', () => {
  it('matches tabulated values of Φ and φ', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 6);
    expect(normalCdf(-6)).toBeCloseTo(9.865876e-10, 14);
    expect(normalPdf(1)).toBeCloseTo(0.2419707, 7);
  });

  it('gives ADF factors that are finite far in the tails, with w in [0, 1]', () => {
    for (const t of [-60, -30, -8, -1, 0, 1, 8, 60]) {
      const { v, w } = probitCorrections(t);
      expect(Number.isFinite(v)).toBe(true);
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThanOrEqual(1);
    }
    expect(probitCorrections(0).v).toBeCloseTo(0.7978846, 6);
    expect(probitCorrections(-40).v).toBeCloseTo(40, 6);
  });

  it('inverts Φ', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644854, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 6);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });
});
