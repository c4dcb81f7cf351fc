import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { createSummaryAccumulator, summarize, summarizeBinary } from './arm-summary.js';

function twoPass(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, variance: values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) };
}

describe('summarize', () => {
  it('gives n, the mean and the n − 1 variance', () => {
    expect(summarize([3, 5, 4, 6, 8, 5, 4])).toEqual({ n: 7, mean: 5, variance: expect.closeTo(8 / 3, 14) });
    expect(summarize([])).toEqual({ n: 0, mean: 0, variance: 0 });
    expect(summarize([2])).toEqual({ n: 1, mean: 2, variance: 0 });
  });

  it('keeps the variance when the mean dwarfs the spread', () => {
    const values = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];
    expect(summarize(values).variance).toBeCloseTo(30, 8);
  });

  it('agrees with two passes on random data', () => {
    const rng = createRng(3);
    const values = Array.from({ length: 1000 }, () => 50 + 10 * rng.normal());
    const expected = twoPass(values);
    const got = summarize(values);
    expect(got.mean).toBeCloseTo(expected.mean, 11);
    expect(got.variance).toBeCloseTo(expected.variance, 9);
  });
});

describe('createSummaryAccumulator', () => {
  it('merges disjoint summaries into the summary of the union', () => {
    const rng = createRng(4);
    const parts = [5, 1, 0, 300, 2].map((n) => Array.from({ length: n }, () => rng.next() * 100));
    const accumulator = createSummaryAccumulator();
    for (const part of parts) accumulator.merge(summarize(part));
    const whole = summarize(parts.flat());
    const merged = accumulator.summary();
    expect(merged.n).toBe(whole.n);
    expect(merged.mean).toBeCloseTo(whole.mean, 11);
    expect(merged.variance).toBeCloseTo(whole.variance, 9);
  });
});

describe('summarizeBinary', () => {
  it('equals the summary of the zeros and ones', () => {
    const values = [...Array(37).fill(1), ...Array(463).fill(0)] as number[];
    const fromValues = summarize(values);
    const fromCounts = summarizeBinary(500, 37);
    expect(fromCounts.n).toBe(500);
    expect(fromCounts.mean).toBeCloseTo(fromValues.mean, 14);
    expect(fromCounts.variance).toBeCloseTo(fromValues.variance, 14);
  });
});
