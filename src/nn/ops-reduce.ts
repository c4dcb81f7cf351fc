/** Sums and means, over everything or one axis. */
import { alloc } from './memory.js';
import { accumulate, record } from './autograd.js';
import { aroundAxis } from './ops-shape.js';
import { Tensor } from './tensor.js';
import { CurioError } from '../core/index.js';

export interface ReduceOptions {
  /** Reduce only this axis (negative counts from the end); all values when absent. */
  axis?: number;
  /** Keep the reduced axis as size 1. */
  keepDims?: boolean;
}

function reduceAxis(a: Tensor, opts: ReduceOptions, factor: (n: number) => number): Tensor {
  const rank = a.shape.length;
  const axis = (opts.axis as number) < 0 ? (opts.axis as number) + rank : (opts.axis as number);
  if (axis < 0 || axis >= rank) throw new CurioError('BAD_INPUT', `axis ${opts.axis} out of range for rank ${rank}`);
  const [outer, n, inner] = aroundAxis(a.shape, axis);
  const f = factor(n);
  const shape = opts.keepDims ? a.shape.map((d, i) => (i === axis ? 1 : d)) : a.shape.filter((_, i) => i !== axis);
  const out = new Tensor(alloc(outer * inner), shape);
  const x = a.data;
  const y = out.data;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < n; k++) {
      const base = (o * n + k) * inner;
      for (let j = 0; j < inner; j++) y[o * inner + j] += x[base + j];
    }
  }
  if (f !== 1) for (let i = 0; i < y.length; i++) y[i] *= f;
  return record(out, [a], (g) => {
    const ga = alloc(a.size, false);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < n; k++) {
        const base = (o * n + k) * inner;
        for (let j = 0; j < inner; j++) ga[base + j] = g[o * inner + j] * f;
      }
    }
    accumulate(a, ga, true);
  });
}

function reduceAll(a: Tensor, f: number, keepDims: boolean): Tensor {
  let s = 0;
  const x = a.data;
  for (let i = 0; i < x.length; i++) s += x[i];
  const out = new Tensor(new Float32Array([s * f]), keepDims ? a.shape.map(() => 1) : []);
  return record(out, [a], (g) => accumulate(a, new Float32Array(a.size).fill(g[0] * f), true));
}

/** Sum over all values or over one axis. */
export function sum(a: Tensor, opts: ReduceOptions = {}): Tensor {
  return opts.axis === undefined ? reduceAll(a, 1, !!opts.keepDims) : reduceAxis(a, opts, () => 1);
}

/** Mean over all values or over one axis. */
export function mean(a: Tensor, opts: ReduceOptions = {}): Tensor {
  return opts.axis === undefined ? reduceAll(a, 1 / a.size, !!opts.keepDims) : reduceAxis(a, opts, (n) => 1 / n);
}
