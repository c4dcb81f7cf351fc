import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { Tensor } from './tensor.js';
import { TokenMixer } from './token-mixer.js';

function randomInput(len: number, dim: number, seed: number): Tensor {
  const rng = createRng(seed);
  return new Tensor(
    Float32Array.from({ length: len * dim }, () => rng.normal()),
    [1, len, dim],
  );
}

describe('TokenMixer', () => {
  const mixer = new TokenMixer(6);
  const rng = createRng(2);
  for (let i = 0; i < mixer.weight.size; i++) mixer.weight.data[i] = rng.normal();

  it('is causal: changing a later event leaves every earlier output as it was', () => {
    const x = randomInput(6, 3, 1);
    const before = mixer.forward(x).data.slice();
    x.data.fill(9, 4 * 3, 5 * 3); // the event at position 4
    const after = mixer.forward(x).data;
    expect(Array.from(after.subarray(0, 4 * 3))).toEqual(Array.from(before.subarray(0, 4 * 3)));
    expect(Array.from(after.subarray(4 * 3))).not.toEqual(Array.from(before.subarray(4 * 3)));
  });

  it('aligns a shorter batch on the newest event: its rows are the last rows of the full-length filter', () => {
    const short = randomInput(4, 3, 3);
    // Left-padded to full length with zeros, the same events sit at positions 2..5.
    const padded = new Tensor(new Float32Array(6 * 3), [1, 6, 3]);
    padded.data.set(short.data, 2 * 3);
    const a = mixer.forward(short).data;
    const b = mixer.forward(padded).data.subarray(2 * 3);
    for (let k = 0; k < a.length; k++) expect(a[k]).toBeCloseTo(b[k], 5);
  });

  it('from the oldest, aligns a shorter batch on the first event: its rows are the first rows of the full-length filter', () => {
    const short = randomInput(4, 3, 3);
    // Right-padded to full length with zeros, the same events sit at positions 0..3.
    const padded = new Tensor(new Float32Array(6 * 3), [1, 6, 3]);
    padded.data.set(short.data, 0);
    const a = mixer.forward(short, true).data;
    const b = mixer.forward(padded, true).data.subarray(0, 4 * 3);
    for (let k = 0; k < a.length; k++) expect(a[k]).toBeCloseTo(b[k], 5);
    // The newest-aligned reading of the same batch uses other rows of the filter.
    const c = mixer.forward(short).data;
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });
});
