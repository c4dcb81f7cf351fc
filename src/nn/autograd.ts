/**
 * Reverse-mode autograd. Each op that sees an input needing gradient records a GradNode with a
 * sequence number (its place on the tape); `backward` collects the nodes reachable from the loss and
 * replays them in reverse tape order. Intermediate gradients and the graph are freed as it goes.
 */
import { CurioError } from '../core/index.js';
import { alloc, keep } from './memory.js';
import { Tensor, type GradNode } from './tensor.js';

let seqCounter = 0;
let gradEnabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording gradients (inference, evaluation). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** True when an op over these inputs must record a node. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  return gradEnabled && inputs.some((t) => t.requiresGrad);
}

/** Attach a backward step to `out` when any input needs a gradient; returns `out`. */
export function record(out: Tensor, inputs: readonly Tensor[], backward: (grad: Float32Array) => void): Tensor {
  if (!needsGrad(inputs)) return out;
  out.requiresGrad = true;
  const node: GradNode = { seq: seqCounter++, inputs, backward };
  out.node = node;
  return out;
}

/**
 * Add `g` into t.grad. With `owned`, the caller hands the buffer over and it may become t.grad
 * itself (no copy). Dense writes into a row-tracked table mark every row.
 */
export function accumulate(t: Tensor, g: Float32Array, owned = false): void {
  if (!t.requiresGrad) return;
  if (t.rows) t.rows.all = true;
  if (t.grad === null) {
    // A leaf's gradient outlives any tidy scope: keep a handed-over pooled buffer, copy otherwise.
    if (t.node === null) {
      if (owned) keep(g);
      t.grad = owned ? g : g.slice();
    } else {
      t.grad = owned ? g : copyOf(g);
    }
    return;
  }
  const dst = t.grad;
  for (let i = 0; i < dst.length; i++) dst[i] += g[i];
}

/**
 * t.grad, allocated as zeros when absent, for kernels that accumulate in place (beta = 1 gemm,
 * scatter-add). `dense` marks all rows of a row-tracked table.
 */
export function gradBuffer(t: Tensor, dense = true): Float32Array {
  if (dense && t.rows) t.rows.all = true;
  if (t.grad === null) t.grad = t.node === null ? new Float32Array(t.data.length) : alloc(t.data.length);
  return t.grad;
}

function copyOf(g: Float32Array): Float32Array {
  const c = alloc(g.length, false);
  c.set(g);
  return c;
}

function collect(root: Tensor): Tensor[] {
  const outs: Tensor[] = [];
  const seen = new Set<GradNode>();
  const stack: Tensor[] = [root];
  while (stack.length > 0) {
    const t = stack.pop() as Tensor;
    const node = t.node;
    if (node === null || seen.has(node)) continue;
    seen.add(node);
    outs.push(t);
    for (const input of node.inputs) stack.push(input);
  }
  return outs.sort((a, b) => (b.node as GradNode).seq - (a.node as GradNode).seq);
}

/** Back-propagate from a scalar loss (or from `seed` for a non-scalar output) into every leaf's grad. */
export function backward(loss: Tensor, seed?: Float32Array): void {
  if (!loss.requiresGrad) throw new CurioError('BAD_INPUT', 'backward() on a tensor that does not require grad');
  if (seed === undefined && loss.size !== 1) {
    throw new CurioError('BAD_INPUT', `backward() needs a scalar loss or a seed, shape is [${loss.shape}]`);
  }
  const outs = collect(loss);
  loss.grad = seed ? seed.slice() : new Float32Array([1]);
  for (const out of outs) {
    const node = out.node as GradNode;
    const g = out.grad;
    out.grad = null;
    out.node = null;
    if (g !== null) node.backward(g);
  }
}
