/**
 * Fast paths for `a (op) b` where a already has the output shape and b is broadcast as a repeating
 * block: b's value for output i is b[floor(i / inner) % period]. This covers b of the same shape
 * (inner 1, period n), a tiled suffix ([L, D] into [B, L, D]) and a spread prefix ([B, L, 1]), without
 * materialising the expanded b. Only add and mul (the hot ones) take this path.
 */
import { sizeOf } from './tensor.js';
import { alloc } from './memory.js';

export interface BlockLayout {
  period: number;
  inner: number;
}

/** The block layout of `shape` broadcast to `out`, or null when it is not one block pattern. */
export function blockLayout(shape: readonly number[], out: readonly number[]): BlockLayout | null {
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  const real = padded.map((d, i) => d !== 1 || out[i] === 1);
  // real dims (equal to out) must be one contiguous run; everything else is a stretched 1
  const first = real.indexOf(true);
  const last = real.lastIndexOf(true);
  if (first < 0) return { period: 1, inner: sizeOf(out) };
  for (let i = first; i <= last; i++) if (!real[i] || padded[i] !== out[i]) return null;
  return { period: sizeOf(padded.slice(first, last + 1)), inner: sizeOf(out.slice(last + 1)) };
}

/** out = a + b or a * b over the block layout of b. */
export function blockForward(kind: 'add' | 'mul', a: Float32Array, b: Float32Array, l: BlockLayout): Float32Array {
  const n = a.length;
  const out = alloc(n, false);
  const { period: p, inner: q } = l;
  const span = p * q;
  for (let o = 0; o < n; o += span) {
    if (q === 1) {
      if (kind === 'add') for (let k = 0; k < p; k++) out[o + k] = a[o + k] + b[k];
      else for (let k = 0; k < p; k++) out[o + k] = a[o + k] * b[k];
      continue;
    }
    for (let k = 0; k < p; k++) {
      const bv = b[k];
      const s = o + k * q;
      if (kind === 'add') for (let j = s; j < s + q; j++) out[j] = a[j] + bv;
      else for (let j = s; j < s + q; j++) out[j] = a[j] * bv;
    }
  }
  return out;
}

/** Sum of (g * w) folded onto b's block layout (w absent means 1): the gradient of b. */
export function blockReduce(g: Float32Array, w: Float32Array | null, l: BlockLayout): Float32Array {
  const { period: p, inner: q } = l;
  const res = alloc(p);
  const span = p * q;
  for (let o = 0; o < g.length; o += span) {
    for (let k = 0; k < p; k++) {
      const s = o + k * q;
      let acc = 0;
      if (w) for (let j = s; j < s + q; j++) acc += g[j] * w[j];
      else for (let j = s; j < s + q; j++) acc += g[j];
      res[k] += acc;
    }
  }
  return res;
}

/** g * b over b's block layout, written into g (the gradient of a for a * b). */
export function blockScaleInPlace(g: Float32Array, b: Float32Array, l: BlockLayout): Float32Array {
  const { period: p, inner: q } = l;
  const span = p * q;
  for (let o = 0; o < g.length; o += span) {
    if (q === 1) {
      for (let k = 0; k < p; k++) g[o + k] *= b[k];
      continue;
    }
    for (let k = 0; k < p; k++) {
      const bv = b[k];
      const s = o + k * q;
      for (let j = s; j < s + q; j++) g[j] *= bv;
    }
  }
  return g;
}
