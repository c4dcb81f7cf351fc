/**
 * 2-D convolution as im2col + one matrix product. Pictures are channels-last (NHWC: [batch, height,
 * width, channels]), so the patch matrix is [batch·outH·outW, kh·kw·C] and the convolution is exactly
 * `linear(patches, w, bias)`: large GEMMs (OpenBLAS on the native backend) whose output is already
 * NHWC — no per-picture products and no transposes. Channels-first (NCHW, torch's
 * layout) would need one product per picture or a transpose of every output.
 */
import { CurioError } from '../core/index.js';
import { accumulate, gradBuffer, record } from './autograd.js';
import { kernels } from './backend.js';
import type { PatchGeometry } from './kernels.js';
import { alloc } from './memory.js';
import { fillRows, linear } from './ops-matmul.js';
import { reshape } from './ops-shape.js';
import { Tensor } from './tensor.js';

export interface Conv2dOptions {
  /** Step between windows in both directions (default 1). */
  stride?: number;
  /** Zeros added on every side (default 0; `(k - 1) / 2` keeps the size at stride 1). */
  padding?: number;
}

/** Geometry of a convolution or pooling window over an NHWC tensor. */
export type WindowGeometry = PatchGeometry;

/** The output size and checks for a kh×kw window over x [n, h, w, c]. */
export function windowGeometry(x: Tensor, kh: number, kw: number, stride: number, padding: number, what: string): WindowGeometry {
  if (x.shape.length !== 4)
    throw new CurioError('BAD_INPUT', `${what} needs an NHWC input [batch, height, width, channels], got [${x.shape}]`);
  const [n, h, w, c] = x.shape;
  if (![kh, kw, stride].every((v) => Number.isInteger(v) && v >= 1) || !Number.isInteger(padding) || padding < 0) {
    throw new CurioError('BAD_INPUT', `${what}: kernel ${kh}×${kw}, stride ${stride}, padding ${padding} are not valid`);
  }
  const outH = Math.floor((h + 2 * padding - kh) / stride) + 1;
  const outW = Math.floor((w + 2 * padding - kw) / stride) + 1;
  if (outH < 1 || outW < 1) throw new CurioError('BAD_INPUT', `${what}: a ${kh}×${kw} window does not fit [${x.shape}]`);
  return { n, h, w, c, kh, kw, stride, padding, outH, outW };
}

/**
 * Patch matrix of x [n, h, w, c]: row (b, oy, ox) holds the kh×kw×c window at that output position,
 * ordered (ky, kx, channel), with zeros where the window hangs over the padding. Shape
 * [n·outH·outW, kh·kw·c]. The gradient adds each patch value back where it came from (col2im).
 */
export function im2col(x: Tensor, kh: number, kw: number, opts: Conv2dOptions = {}): Tensor {
  const g = windowGeometry(x, kh, kw, opts.stride ?? 1, opts.padding ?? 0, 'im2col');
  const cols = g.kh * g.kw * g.c;
  const out = new Tensor(alloc(g.n * g.outH * g.outW * cols), [g.n * g.outH * g.outW, cols]);
  kernels().patches(x.data, out.data, g, false);
  return record(out, [x], (grad) => {
    const gx = alloc(x.size);
    kernels().patches(gx, grad, g, true);
    accumulate(x, gx, true);
  });
}

/** Values of one chunk's patch matrix: small enough to stay in cache between im2col and its product. */
const CHUNK_VALUES = 1 << 20;

/**
 * Convolution of x [n, h, w, cIn] with weights [cOut, kh, kw, cIn] (+ bias [cOut]) → [n, outH, outW, cOut].
 * The batch runs in chunks of pictures whose patch matrix fits in cache: im2col then one product per
 * chunk (the backend's convForward; the native one spreads the chunks over its threads). The backward
 * pass rebuilds each chunk's patches rather than keeping the whole batch's — a patch matrix is kh·kw
 * times the input, hundreds of MB per layer at batch 128, and writing then re-reading it from memory cost
 * more than the copy. A 1×1 kernel at stride 1 without padding is a plain product.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  if (weight.shape.length !== 4 || x.shape.length !== 4 || weight.shape[3] !== x.shape[3]) {
    throw new CurioError('BAD_INPUT', `conv2d: x [${x.shape}] (NHWC) and weight [${weight.shape}] ([cOut, kh, kw, cIn]) do not fit`);
  }
  const [cOut, kh, kw, cIn] = weight.shape;
  if (bias && bias.size !== cOut) throw new CurioError('BAD_INPUT', `conv2d: bias [${bias.shape}] for ${cOut} output channels`);
  const g = windowGeometry(x, kh, kw, opts.stride ?? 1, opts.padding ?? 0, 'conv2d');
  if (kh === 1 && kw === 1 && g.stride === 1 && g.padding === 0) {
    return reshape(linear(reshape(x, [-1, cIn]), reshape(weight, [cOut, cIn]), bias), [g.n, g.h, g.w, cOut]);
  }
  const positions = g.outH * g.outW;
  const perChunk = Math.max(1, Math.min(g.n, Math.floor(CHUNK_VALUES / (positions * kh * kw * cIn))));
  const out = new Tensor(alloc(g.n * positions * cOut, false), [g.n, g.outH, g.outW, cOut]);
  if (bias) fillRows(out.data, bias.data, g.n * positions);
  kernels().convForward(x.data, weight.data, out.data, g, cOut, perChunk, bias !== null);
  return record(out, bias ? [x, weight, bias] : [x, weight], (grad) => {
    if (bias?.requiresGrad) kernels().colSum(grad, gradBuffer(bias), g.n * positions, cOut);
    const gw = weight.requiresGrad ? gradBuffer(weight) : null;
    const gx = x.requiresGrad ? alloc(x.size) : null;
    if (gw || gx) kernels().convBackward(x.data, weight.data, grad, gw, gx, g, cOut, perChunk);
    if (gx) accumulate(x, gx, true);
  });
}
