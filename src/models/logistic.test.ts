import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { fitLogistic, type FeatureRow } from './logistic.js';

function planted(n: number, seed: number): { rows: FeatureRow[]; labels: number[] } {
  const rng = createRng(seed);
  const rows: FeatureRow[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const item = rng.int(3);
    const x = rng.normal();
    const z = -1 + [0, 1.5, -1.5][item] + 0.8 * x;
    rows.push([
      [`item=${item}`, 1],
      ['x', x],
    ]);
    labels.push(rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { rows, labels };
}

describe('fitLogistic', () => {
  it('recovers planted effects', () => {
    const { rows, labels } = planted(5000, 1);
    const model = fitLogistic(rows, labels, { l2: 0.1, iterations: 400, learningRate: 0.05 });
    expect(model.weights.get('x')).toBeGreaterThan(0.6);
    expect(model.weights.get('x')).toBeLessThan(1.0);
    expect(model.weights.get('item=1')!).toBeGreaterThan(model.weights.get('item=0')! + 1);
    expect(model.weights.get('item=2')!).toBeLessThan(model.weights.get('item=0')! - 1);
    expect(
      model.predict([
        ['item=1', 1],
        ['x', 1],
      ]),
    ).toBeGreaterThan(
      model.predict([
        ['item=2', 1],
        ['x', 1],
      ]),
    );
    expect(model.predict([['unseen', 1]])).toBeCloseTo(1 / (1 + Math.exp(-model.bias)), 12);
  });

  it('shrinks weights as l2 grows and honours sample weights', () => {
    const { rows, labels } = planted(2000, 2);
    const weak = fitLogistic(rows, labels, { l2: 0.1, iterations: 300, learningRate: 0.05 });
    const strong = fitLogistic(rows, labels, { l2: 1000, iterations: 300, learningRate: 0.05 });
    expect(Math.abs(strong.weights.get('x')!)).toBeLessThan(Math.abs(weak.weights.get('x')!) / 2);
    const doubled = fitLogistic([...rows, ...rows], [...labels, ...labels], { l2: 1, iterations: 200, learningRate: 0.05 });
    const weighted = fitLogistic(rows, labels, { l2: 1, iterations: 200, learningRate: 0.05, sampleWeights: rows.map(() => 2) });
    expect(weighted.weights.get('x')).toBeCloseTo(doubled.weights.get('x')!, 6);
  });
});
