import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_LABELS, loadFashionMnist, readIdx, writeIdx } from './fashion-mnist.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/fashion-mnist/', import.meta.url));

describe('Fashion-MNIST IDX files', () => {
  it('reads the committed slice: 600 training and 200 test pictures of 28×28 in [0, 1] with their labels', () => {
    const train = loadFashionMnist(FIXTURE, 'train');
    const test = loadFashionMnist(FIXTURE, 't10k', 50);
    expect([train.count, train.size, train.pixels.length]).toEqual([600, 28, 600 * 784]);
    expect(test.count).toBe(50);
    expect(train.labelNames).toEqual(FASHION_MNIST_LABELS);
    // The first training labels of Fashion-MNIST: ankle boot, T-shirt/top, T-shirt/top, dress, T-shirt/top.
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
    expect(new Set(train.labels).size).toBe(10);
    expect(train.pixels.reduce((a, b) => Math.max(a, b))).toBe(1);
    expect(train.pixels.reduce((a, b) => Math.min(a, b))).toBe(0);
  });

  it('writes what it reads, and refuses what is not an IDX file', () => {
    const bytes = readFileSync(`${FIXTURE}t10k-labels-idx1-ubyte.gz`);
    const labels = readIdx(bytes);
    expect(labels.dims).toEqual([200]);
    expect(readIdx(writeIdx(labels))).toEqual(labels);
    expect(() => readIdx(Buffer.from('not an idx file'))).toThrow(/not an IDX file/);
    const short = Buffer.from([0, 0, 8, 1, 0, 0, 0, 9, 1, 2]);
    expect(() => readIdx(short)).toThrow(/2 data bytes for dims \[9\]/);
    expect(() => loadFashionMnist(`${FIXTURE}missing`, 'train')).toThrow(/cannot read/);
  });
});
