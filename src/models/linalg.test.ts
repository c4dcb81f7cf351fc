import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { encodeArtifact, decodeArtifact } from './artifact.js';
import { gaussJordanInPlace, invertSpdInPlace } from './linalg.js';

function randomSpd(n: number, seed: number, density: number): Float64Array {
  const rng = createRng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (rng.next() >= density) continue;
      const v = rng.next() - 0.5;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
    a[i * n + i] = n * density + 1;
  }
  return a;
}

describe('blocked SPD inverse', () => {
  it.each([
    [37, 8, 0.5],
    [150, 16, 0.05],
    [64, 64, 1],
  ])('matches the plain Gauss-Jordan reference (n=%i, block=%i, density=%f)', (n, blockSize, density) => {
    const a = randomSpd(n, n, density);
    const fast = invertSpdInPlace(a.slice(), n, { blockSize });
    const ref = gaussJordanInPlace(a.slice(), n);
    for (let k = 0; k < n * n; k++) expect(Math.abs(fast[k] - ref[k])).toBeLessThan(1e-10);
  });
});

describe('artifacts', () => {
  it('round-trip arrays and refuse a damaged file', () => {
    const artifact = { modelId: 'x', artifactVersion: 1, params: { a: 1 }, nItems: 3, meta: {}, arrays: { w: Float32Array.of(1, 2, 3), k: Int32Array.of(7) } };
    const bytes = encodeArtifact(artifact);
    expect(decodeArtifact(bytes)).toEqual(artifact);
    bytes[bytes.length - 2] ^= 1;
    expect(() => decodeArtifact(bytes)).toThrow(/checksum/);
  });
});
