import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { encodeArtifact, decodeArtifact } from './artifact.js';
import { nativeAvailable, withBackend } from '../nn/index.js';
import { choleskySolve, gaussJordanInPlace, invertSpdInPlace } from './linalg.js';
import { invertSpdGemm } from './linalg-blas.js';
import { easeWeights } from './ease.js';

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

describe('Cholesky solve', () => {
  it('solves A x = b for an SPD A, and refuses a matrix that is not positive definite', () => {
    const n = 23;
    const a = randomSpd(n, 3, 0.4);
    const rng = createRng(4);
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const x = choleskySolve(a.slice(), b, n)!;
    for (let i = 0; i < n; i++) {
      let ax = 0;
      for (let j = 0; j < n; j++) ax += a[i * n + j] * x[j];
      expect(Math.abs(ax - b[i])).toBeLessThan(1e-10);
    }
    expect(choleskySolve(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1), 2)).toBeNull();
  });
});

describe('float32 gemm SPD inverse', () => {
  const backends = nativeAvailable() ? (['js', 'native'] as const) : (['js'] as const);
  it.each(
    backends.flatMap(
      (backend) =>
        [
          [backend, 37, 8, 0.5],
          [backend, 150, 16, 0.05],
          [backend, 300, 64, 0.2],
          [backend, 20, 256, 1],
        ] as const,
    ),
  )('%s backend matches the float64 reference (n=%i, block=%i, density=%f)', (backend, n, blockSize, density) => {
    const a = randomSpd(n, n + 1, density);
    const lower = Float32Array.from(a);
    // Only the lower triangle may be read: poison the upper one.
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) lower[i * n + j] = Number.NaN;
    const fast = withBackend(backend, () => invertSpdGemm(lower, n, { blockSize }));
    const ref = gaussJordanInPlace(a.slice(), n);
    let scale = 0;
    let worst = 0;
    for (let k = 0; k < n * n; k++) {
      scale = Math.max(scale, Math.abs(ref[k]));
      worst = Math.max(worst, Math.abs(fast[k] - ref[k]));
    }
    expect(worst).toBeLessThan(1e-5 * scale);
  });
});

describe('EASE weights', () => {
  it('are the same from the float32 gemm solver and the float64 reference', () => {
    const rng = createRng(5);
    const nRows = 300;
    const nCols = 80;
    const indptr = new Int32Array(nRows + 1);
    const cols: number[] = [];
    for (let u = 0; u < nRows; u++) {
      const row = new Set<number>();
      for (let t = 0; t < 6; t++) row.add(rng.int(nCols) % (10 + (u % 70)));
      cols.push(...[...row].sort((a, b) => a - b));
      indptr[u + 1] = cols.length;
    }
    const m = { nRows, nCols, indptr, indices: Int32Array.from(cols), values: new Float32Array(cols.length).fill(1) };
    const keep = Int32Array.from({ length: nCols }, (_, j) => j);
    const ref = easeWeights(m, keep, 20, { solver: 'reference' });
    const fast = easeWeights(m, keep, 20, { solver: 'gemm' });
    let worst = 0;
    for (let k = 0; k < ref.length; k++) worst = Math.max(worst, Math.abs(fast[k] - ref[k]));
    expect(worst).toBeLessThan(1e-5);
    expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(0.01); // the weights are not trivially zero
  });
});

describe('artifacts', () => {
  it('round-trip arrays and refuse a damaged file', () => {
    const artifact = {
      modelId: 'x',
      artifactVersion: 1,
      params: { a: 1 },
      nItems: 3,
      meta: {},
      arrays: { w: Float32Array.of(1, 2, 3), k: Int32Array.of(7) },
    };
    const bytes = encodeArtifact(artifact);
    expect(decodeArtifact(bytes)).toEqual(artifact);
    bytes[bytes.length - 2] ^= 1;
    expect(() => decodeArtifact(bytes)).toThrow(/checksum/);
  });
});
