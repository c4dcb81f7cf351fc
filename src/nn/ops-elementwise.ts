/** Broadcasting arithmetic, scalar arithmetic and activations. */
import { alloc } from './memory.js';
import { accumulate, record } from './autograd.js';
import { kernels } from './backend.js';
import { broadcastShapes, expandTo, reduceTo } from './broadcast.js';
import { blockForward, blockLayout, blockReduce, blockScaleInPlace, type BlockLayout } from './broadcast-fast.js';
import { sizeOf, Tensor } from './tensor.js';

type BinaryKind = 'add' | 'sub' | 'mul' | 'div';

function binaryForward(kind: BinaryKind, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const n = out.length;
  if (kind === 'add') for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
  else if (kind === 'sub') for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
  else if (kind === 'mul') for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
  else for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
}

function binaryBackward(kind: BinaryKind, g: Float32Array, ea: Float32Array, eb: Float32Array): [Float32Array, Float32Array] {
  const n = g.length;
  if (kind === 'add') return [g, g];
  // Generic path (rare in hot loops): computes both sides even when one is a constant.
  if (kind === 'sub') {
    const gb = alloc(n, false);
    for (let i = 0; i < n; i++) gb[i] = -g[i];
    return [g, gb];
  }
  const ga = alloc(n, false);
  const gb = alloc(n, false);
  if (kind === 'mul') {
    for (let i = 0; i < n; i++) {
      ga[i] = g[i] * eb[i];
      gb[i] = g[i] * ea[i];
    }
  } else {
    for (let i = 0; i < n; i++) {
      const inv = 1 / eb[i];
      ga[i] = g[i] * inv;
      gb[i] = -g[i] * ea[i] * inv * inv;
    }
  }
  return [ga, gb];
}

/** add/mul where a has the output shape: no expansion of b, and only the needed gradients. */
function binaryBlock(kind: 'add' | 'mul', a: Tensor, b: Tensor, shape: number[], l: BlockLayout): Tensor {
  const out = new Tensor(blockForward(kind, a.data, b.data, l), shape);
  return record(out, [a, b], (g) => {
    const same = l.period === g.length;
    if (b.requiresGrad) {
      const w = kind === 'mul' ? a.data : null;
      if (same && w === null) accumulate(b, g, !a.requiresGrad);
      else accumulate(b, blockReduce(g, w, l), true);
    }
    if (a.requiresGrad) accumulate(a, kind === 'mul' ? blockScaleInPlace(g, b.data, l) : g, true);
  });
}

function binary(kind: BinaryKind, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  if ((kind === 'add' || kind === 'mul') && a.size === sizeOf(shape)) {
    const l = blockLayout(b.shape, shape);
    if (l) return binaryBlock(kind, a, b, shape, l);
  }
  const ea = expandTo(a.data, a.shape, shape);
  const eb = expandTo(b.data, b.shape, shape);
  const out = new Tensor(alloc(ea.length, false), shape);
  binaryForward(kind, ea, eb, out.data);
  return record(out, [a, b], (g) => {
    const [ga, gb] = binaryBackward(kind, g, ea, eb);
    let gFree = true; // g itself may be handed over once; later users copy it
    const give = (t: Tensor, r: Float32Array): void => {
      const own = r !== g || gFree;
      if (r === g && own) gFree = false;
      accumulate(t, r, own);
    };
    if (a.requiresGrad) give(a, reduceTo(ga, shape, a.shape));
    if (b.requiresGrad) give(b, reduceTo(gb, shape, b.shape));
  });
}

/** a + b with broadcasting. */
export const add = (a: Tensor, b: Tensor): Tensor => binary('add', a, b);
/** a - b with broadcasting. */
export const sub = (a: Tensor, b: Tensor): Tensor => binary('sub', a, b);
/** a * b with broadcasting. */
export const mul = (a: Tensor, b: Tensor): Tensor => binary('mul', a, b);
/** a / b with broadcasting. */
export const div = (a: Tensor, b: Tensor): Tensor => binary('div', a, b);

/** a * s + t for numbers s and t (one pass; scale and shift). */
export function affine(a: Tensor, s: number, t = 0): Tensor {
  const out = new Tensor(alloc(a.size, false), a.shape);
  const x = a.data;
  const y = out.data;
  for (let i = 0; i < y.length; i++) y[i] = x[i] * s + t;
  return record(out, [a], (g) => {
    const ga = alloc(g.length, false);
    for (let i = 0; i < g.length; i++) ga[i] = g[i] * s;
    accumulate(a, ga, true);
  });
}

/** a * s for a number s. */
export const scale = (a: Tensor, s: number): Tensor => affine(a, s, 0);

/** Elementwise map with derivative dy/dx = deriv(x, y). */
function unary(a: Tensor, f: (x: number) => number, deriv: (x: number, y: number) => number): Tensor {
  const out = new Tensor(alloc(a.size, false), a.shape);
  const x = a.data;
  const y = out.data;
  for (let i = 0; i < y.length; i++) y[i] = f(x[i]);
  return record(out, [a], (g) => {
    const ga = alloc(g.length, false);
    for (let i = 0; i < g.length; i++) ga[i] = g[i] * deriv(x[i], y[i]);
    accumulate(a, ga, true);
  });
}

/** max(x, 0). */
export function relu(a: Tensor): Tensor {
  const out = new Tensor(alloc(a.size, false), a.shape);
  kernels().reluForward(a.data, out.data);
  return record(out, [a], (g) => {
    kernels().reluBackward(a.data, g);
    accumulate(a, g, true);
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (as in GPT-2 and BERT implementations). */
export function gelu(a: Tensor): Tensor {
  return unary(
    a,
    (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
    (x) => {
      const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    },
  );
}

/** SiLU (swish): x * sigmoid(x). */
export function silu(a: Tensor): Tensor {
  return unary(
    a,
    (x) => x / (1 + Math.exp(-x)),
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 + x * (1 - s));
    },
  );
}

/** Logistic sigmoid. */
export function sigmoid(a: Tensor): Tensor {
  return unary(
    a,
    (x) => 1 / (1 + Math.exp(-x)),
    (_x, y) => y * (1 - y),
  );
}

/** Natural exponential. */
export function exp(a: Tensor): Tensor {
  return unary(a, Math.exp, (_x, y) => y);
}

/** Natural logarithm. */
export function log(a: Tensor): Tensor {
  return unary(a, Math.log, (x) => 1 / x);
}
