/** Seeded parameter initialisers (every one takes an Rng from createRng, so runs are reproducible). */
import type { Rng } from '../core/index.js';
import { parameter, sizeOf, Tensor } from './tensor.js';

/** Set while a net is built only to receive saved weights: drawing values that are overwritten at once is wasted work. */
let drawing = true;

/**
 * Builds with every random initialiser leaving zeros: for a module whose weights are loaded right after
 * (restoring a saved model; on a serving process that happens on the request thread, where a large
 * embedding table's draws are felt). Constant initialisers still apply.
 */
export function withoutRandomInit<T>(build: () => T): T {
  const before = drawing;
  drawing = false;
  try {
    return build();
  } finally {
    drawing = before;
  }
}

/** Trainable tensor with N(0, std^2) values. */
export function normalInit(shape: readonly number[], std: number, rng: Rng): Tensor {
  const d = new Float32Array(sizeOf(shape));
  if (!drawing) return parameter(d, shape);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
  return parameter(d, shape);
}

/** Trainable tensor with U(-bound, bound) values. */
export function uniformInit(shape: readonly number[], bound: number, rng: Rng): Tensor {
  const d = new Float32Array(sizeOf(shape));
  if (!drawing) return parameter(d, shape);
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
