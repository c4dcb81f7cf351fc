import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, normalCdf, normalQuantile, normalSurvival, studentTCdf, studentTQuantile } from './distributions.js';

describe('normal', () => {
  it('matches reference CDF values, deep tails included', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-3) / 0.0013498980316300933).toBeCloseTo(1, 12);
    expect(normalCdf(-8) / 6.22096057427174e-16).toBeCloseTo(1, 10);
    expect(normalSurvival(10) / 7.61985302416047e-24).toBeCloseTo(1, 10);
  });

  it('has the textbook quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 13);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489004, 13);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 11);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
  });

  it('inverts its CDF', () => {
    for (const p of [1e-6, 0.02, 0.3, 0.6, 0.9999]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 12);
  });
});

describe("Student's t", () => {
  it('has the closed-form quantiles at 1 and 2 degrees of freedom', () => {
    // Cauchy at 1; t = (2p − 1)·√(2 / (4p(1 − p))) at 2.
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(Math.tan(Math.PI * 0.475), 10);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(0.95 * Math.sqrt(2 / (4 * 0.975 * 0.025)), 11);
  });

  it('matches the t-table', () => {
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.5705818356363146, 11);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138851986274, 11);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.0422724563012378, 11);
    expect(studentTQuantile(0.025, 100)).toBeCloseTo(-1.9839715185235518, 11);
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.9623390808264083, 11);
    // Far out, ln Γ(a + ½) − ln Γ(a) cancels most of the digits of two large logs.
    expect(studentTQuantile(0.975, 1e5)).toBeCloseTo(1.9599877075346095, 9);
    expect(studentTQuantile(0.975, Number.POSITIVE_INFINITY)).toBeCloseTo(1.959963984540054, 13);
  });

  it('matches reference CDF values, fractional degrees of freedom included', () => {
    expect(studentTCdf(-2, 3)).toBeCloseTo(0.06966298427942152, 13);
    expect(studentTCdf(1.2, 7)).toBeCloseTo(0.8654140315863967, 13);
    expect(studentTCdf(2.5, 50)).toBeCloseTo(0.99212752086344, 13);
    expect(studentTCdf(2, 12.5)).toBeCloseTo(0.9661445283751424, 13);
    expect(studentTCdf(studentTQuantile(0.9, 4.5), 4.5)).toBeCloseTo(0.9, 13);
  });
});

describe('chiSquareSurvival', () => {
  it('gives the table levels at the critical values', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 13);
    expect(chiSquareSurvival(10.827566170662733, 1)).toBeCloseTo(0.001, 14);
    expect(chiSquareSurvival(5.991464547107979, 2)).toBeCloseTo(0.05, 13);
    expect(chiSquareSurvival(7.814727903251178, 3)).toBeCloseTo(0.05, 13);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 13);
  });

  it('is exp(−x/2) at 2 degrees of freedom and 2(1 − Φ(√x)) at 1', () => {
    for (const x of [0.1, 2, 14, 40]) {
      expect(chiSquareSurvival(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 12);
      expect(chiSquareSurvival(x, 1) / (2 * normalSurvival(Math.sqrt(x)))).toBeCloseTo(1, 12);
    }
  });

  it('matches reference values away from the critical region', () => {
    expect(chiSquareSurvival(1, 4)).toBeCloseTo(0.9097959895689501, 13);
    expect(chiSquareSurvival(60, 30) / 0.0009206823961486636).toBeCloseTo(1, 11);
    expect(chiSquareSurvival(0.0001, 1)).toBeCloseTo(0.9920212873707368, 13);
    expect(chiSquareSurvival(80, 100)).toBeCloseTo(0.9296649333406051, 12);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
});
