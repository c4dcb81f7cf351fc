/** Shape ops: reshape (shares data), permute, slice and concat along an axis. */
import { alloc } from './memory.js';
import { CurioError } from '../core/index.js';
import { accumulate, record } from './autograd.js';
import { sizeOf, Tensor } from './tensor.js';

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new CurioError('BAD_INPUT', `axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Same values, new shape; one dim may be -1 (inferred). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const resolved = shape.map((d) => (d === -1 ? a.size / known : d));
  if (sizeOf(resolved) !== a.size) {
    throw new CurioError('BAD_INPUT', `cannot reshape [${a.shape}] to [${shape}]`);
  }
  const out = new Tensor(a.data, resolved);
  return record(out, [a], (g) => accumulate(a, g, true));
}

/** Split a shape into (outer, n, inner) around an axis. */
export function aroundAxis(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

/** Elements [start, end) along `axis`. */
export function slice(a: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis(axis, a.shape.length);
  const [outer, n, inner] = aroundAxis(a.shape, ax);
  if (!(0 <= start && start <= end && end <= n)) throw new CurioError('BAD_INPUT', `slice [${start}, ${end}) of ${n}`);
  const len = end - start;
  const shape = a.shape.map((d, i) => (i === ax ? len : d));
  const out = new Tensor(alloc(outer * len * inner, false), shape);
  for (let o = 0; o < outer; o++) {
    out.data.set(a.data.subarray((o * n + start) * inner, (o * n + end) * inner), o * len * inner);
  }
  return record(out, [a], (g) => {
    const ga = alloc(a.size);
    for (let o = 0; o < outer; o++) ga.set(g.subarray(o * len * inner, (o + 1) * len * inner), (o * n + start) * inner);
    accumulate(a, ga, true);
  });
}

/** Join tensors along `axis` (all other dims equal). */
export function concat(parts: readonly Tensor[], axis: number): Tensor {
  if (parts.length === 0) throw new CurioError('BAD_INPUT', 'concat of nothing');
  const ax = normAxis(axis, parts[0].shape.length);
  const [outer, , inner] = aroundAxis(parts[0].shape, ax);
  const lens = parts.map((p) => p.shape[ax]);
  const total = lens.reduce((s, l) => s + l, 0);
  for (const p of parts) {
    if (p.shape.length !== parts[0].shape.length || p.shape.some((d, i) => i !== ax && d !== parts[0].shape[i])) {
      throw new CurioError('BAD_INPUT', `concat shapes differ: [${parts[0].shape}] vs [${p.shape}]`);
    }
  }
  const shape = parts[0].shape.map((d, i) => (i === ax ? total : d));
  const out = new Tensor(alloc(outer * total * inner), shape);
  let at = 0;
  parts.forEach((p, k) => {
    const w = lens[k] * inner;
    for (let o = 0; o < outer; o++) out.data.set(p.data.subarray(o * w, (o + 1) * w), (o * total + at) * inner);
    at += lens[k];
  });
  return record(out, parts, (g) => {
    let from = 0;
    parts.forEach((p, k) => {
      const w = lens[k] * inner;
      if (p.requiresGrad) {
        const gp = alloc(p.size, false);
        for (let o = 0; o < outer; o++) gp.set(g.subarray((o * total + from) * inner, (o * total + from) * inner + w), o * w);
        accumulate(p, gp, true);
      }
      from += lens[k];
    });
  });
}

function permuteData(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const strides = perm.map((p) => inStrides[p]);
  const out = alloc(data.length, false);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < outShape[d]) break;
      src -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Reorder dims: out.shape[i] = a.shape[perm[i]]. */
export function permute(a: Tensor, perm: readonly number[]): Tensor {
  const rank = a.shape.length;
  if (perm.length !== rank || [...perm].sort((x, y) => x - y).some((p, i) => p !== i)) {
    throw new CurioError('BAD_INPUT', `bad permutation [${perm}] for rank ${rank}`);
  }
  const out = new Tensor(
    permuteData(a.data, a.shape, perm),
    perm.map((p) => a.shape[p]),
  );
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  return record(out, [a], (g) => accumulate(a, permuteData(g, out.shape, inverse), true));
}

/** Swap the last two dims. */
export function transpose(a: Tensor): Tensor {
  const r = a.shape.length;
  return permute(a, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
}

/**
 * Zero the rows (last-dim vectors) of x where keep[r] is 0, e.g. padding positions of a sequence
 * batch. Returns x itself when no row is dropped, so fully valid batches cost nothing.
 */
export function maskRows(x: Tensor, keep: Uint8Array): Tensor {
  const dim = x.lastDim;
  if (keep.length * dim !== x.size) throw new CurioError('BAD_INPUT', `maskRows: ${keep.length} flags for [${x.shape}]`);
  if (keep.every((k) => k !== 0)) return x;
  const out = new Tensor(alloc(x.size, false), x.shape);
  out.data.set(x.data);
  for (let r = 0; r < keep.length; r++) if (keep[r] === 0) out.data.fill(0, r * dim, (r + 1) * dim);
  return record(out, [x], (g) => {
    for (let r = 0; r < keep.length; r++) if (keep[r] === 0) g.fill(0, r * dim, (r + 1) * dim);
    accumulate(x, g, true);
  });
}
