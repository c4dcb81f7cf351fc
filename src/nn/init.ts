/** Seeded parameter initialisers (every one takes an Rng from createRng, so runs are reproducible). */
import type { Rng } from '../core/index.js';
import { parameter, sizeOf, Tensor } from './tensor.js';

/** Trainable tensor with N(0, std^2) values. */
export function normalInit(shape: readonly number[], std: number, rng: Rng): Tensor {
  const d = new Float32Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
  return parameter(d, shape);
}

/** Trainable tensor with U(-bound, bound) values. */
export function uniformInit(shape: readonly number[], bound: number, rng: Rng): Tensor {
  const d = new Float32Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = (rng.next() * 2 - 1) * bound;
  return parameter(d, shape);
}

/** Glorot/Xavier uniform for a [fanOut, fanIn] matrix: bound sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform(shape: readonly [number, number], rng: Rng): Tensor {
  return uniformInit(shape, Math.sqrt(6 / (shape[0] + shape[1])), rng);
}

/** Trainable tensor filled with a constant (zeros for biases, ones for norm gains). */
export function constantInit(shape: readonly number[], value: number): Tensor {
  return parameter(new Float32Array(sizeOf(shape)).fill(value), shape);
}
