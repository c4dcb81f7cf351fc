/**
 * Tensor: a row-major Float32Array plus a shape, and the bookkeeping reverse-mode autograd needs.
 * Ops never write their inputs, so reshapes may share `data`.
 */
import { CurioError } from '../core/index.js';

/** The step of the tape that produced a tensor: its inputs and how to push a gradient back to them. */
export interface GradNode {
  /** Position on the tape: backward replays nodes in decreasing `seq`. */
  readonly seq: number;
  readonly inputs: readonly Tensor[];
  readonly backward: (grad: Float32Array) => void;
}

/**
 * Which rows of an embedding table hold gradient, so optimisers can update only those (lazy Adam).
 * `all` flips to true as soon as some op writes the gradient densely.
 */
export class RowTracker {
  readonly marked: Uint8Array;
  readonly list: Int32Array;
  count = 0;
  all = false;

  constructor(rows: number) {
    this.marked = new Uint8Array(rows);
    this.list = new Int32Array(rows);
  }

  /** Record that row `r` has gradient. */
  mark(r: number): void {
    if (this.marked[r] === 0) {
      this.marked[r] = 1;
      this.list[this.count++] = r;
    }
  }

  /** Forget every mark (after the optimiser consumed the gradient). */
  reset(): void {
    for (let i = 0; i < this.count; i++) this.marked[this.list[i]] = 0;
    this.count = 0;
    this.all = false;
  }
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: readonly number[], length: number): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new CurioError('BAD_INPUT', `bad tensor shape [${shape.join(', ')}]`);
  }
  if (sizeOf(shape) !== length) {
    throw new CurioError('BAD_INPUT', `shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, got ${length}`);
  }
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  /** Accumulated gradient (same layout as data), allocated on first use. */
  grad: Float32Array | null = null;
  requiresGrad: boolean;
  /** Set on op outputs while the graph is alive; null for leaves. */
  node: GradNode | null = null;
  /** Present on embedding tables that want lazy row updates. */
  rows: RowTracker | null = null;

  constructor(data: Float32Array, shape: readonly number[], requiresGrad = false) {
    checkShape(shape, data.length);
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Size of the last dimension (1 for a scalar). */
  get lastDim(): number {
    return this.shape.length === 0 ? 1 : this.shape[this.shape.length - 1];
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new CurioError('BAD_INPUT', `item() needs one element, shape is [${this.shape}]`);
    return this.data[0];
  }

  /** A copy of the values as a plain array. */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** A leaf tensor sharing no graph (same data), for inference or targets. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** Mark this tensor as an embedding table whose gradient rows are tracked (first dim = rows). */
  trackRows(): this {
    this.rows = new RowTracker(this.shape[0]);
    return this;
  }
}

/** A tensor from values and a shape (a copy unless given a Float32Array). */
export function tensor(values: Float32Array | readonly number[], shape?: readonly number[]): Tensor {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Tensor(data, shape ?? [data.length]);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[]): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)), shape);
}

/** A tensor filled with one value. */
export function full(shape: readonly number[], value: number): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape);
}

/** A trainable leaf (requiresGrad = true) over the given values. */
export function parameter(data: Float32Array, shape: readonly number[]): Tensor {
  return new Tensor(data, shape, true);
}
