/**
 * The `js` backend's convolution loops over NHWC pictures: im2col / col2im and a layer's whole batch in
 * chunks (patches, then one product per chunk). The native backend runs the same chunks on several threads.
 */
import type { GemmArgs, Kernels, PatchGeometry } from './kernels.js';

type ConvKernels = Pick<Kernels, 'patches' | 'convForward' | 'convBackward'>;

/** im2col / col2im over NHWC pictures; along kx the valid pixels are contiguous, so each (position, ky) is one run. */
function patches(img: Float32Array, col: Float32Array, g: PatchGeometry, back: boolean): void {
  const { n, h, w, c, kh, kw, stride, padding, outH, outW } = g;
  const rowLen = kh * kw * c;
  let row = 0;
  for (let b = 0; b < n; b++) {
    const imgBase = b * h * w * c;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * stride - padding;
      for (let ox = 0; ox < outW; ox++, row += rowLen) {
        const x0 = ox * stride - padding;
        const kx0 = Math.max(0, -x0);
        const kx1 = Math.min(kw, w - x0);
        if (kx1 <= kx0) continue;
        const runLen = (kx1 - kx0) * c;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= h) continue;
          const src = imgBase + (iy * w + x0 + kx0) * c;
          const dst = row + (ky * kw + kx0) * c;
          if (back) for (let j = 0; j < runLen; j++) img[src + j] += col[dst + j];
          else for (let j = 0; j < runLen; j++) col[dst + j] = img[src + j];
        }
      }
    }
  }
}

/** The convolution kernels on top of the backend's matrix product. */
export function convKernels(gemm: (args: GemmArgs) => void): ConvKernels {
  const product = (
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ) =>
    gemm({
      transA,
      transB,
      m,
      n,
      k,
      alpha: 1,
      a,
      lda: transA ? m : k,
      b,
      ldb: transB ? k : n,
      beta,
      c,
      ldc: n,
      batch: 1,
      strideA: 0,
      strideB: 0,
      strideC: 0,
    });
  /** Visits the batch's chunks with each one's first picture and geometry. */
  const chunks = (g: PatchGeometry, perChunk: number, visit: (first: number, cg: PatchGeometry) => void): void => {
    for (let first = 0; first < g.n; first += perChunk) visit(first, { ...g, n: Math.min(perChunk, g.n - first) });
  };
  return {
    patches,
    convForward(x, weight, out, g, cOut, perChunk, accumulate) {
      const cols = g.kh * g.kw * g.c;
      const positions = g.outH * g.outW;
      const inSize = g.h * g.w * g.c;
      // One buffer for every chunk: padding cells are never written, so they stay zero.
      const col = new Float32Array(perChunk * positions * cols);
      chunks(g, perChunk, (first, cg) => {
        patches(x.subarray(first * inSize, (first + cg.n) * inSize), col, cg, false);
        const rows = cg.n * positions;
        product(
          false,
          true,
          rows,
          cOut,
          cols,
          col,
          weight,
          accumulate ? 1 : 0,
          out.subarray(first * positions * cOut, (first * positions + rows) * cOut),
        );
      });
    },
    convBackward(x, weight, grad, gw, gx, g, cOut, perChunk) {
      const cols = g.kh * g.kw * g.c;
      const positions = g.outH * g.outW;
      const inSize = g.h * g.w * g.c;
      const col = new Float32Array(perChunk * positions * cols);
      const dcol = gx ? new Float32Array(perChunk * positions * cols) : null;
      chunks(g, perChunk, (first, cg) => {
        const rows = cg.n * positions;
        const gChunk = grad.subarray(first * positions * cOut, (first * positions + rows) * cOut);
        if (gw) {
          patches(x.subarray(first * inSize, (first + cg.n) * inSize), col, cg, false);
          product(true, false, cOut, cols, rows, gChunk, col, 1, gw);
        }
        if (gx && dcol) {
          product(false, false, rows, cols, cOut, gChunk, weight, 0, dcol);
          patches(gx.subarray(first * inSize, (first + cg.n) * inSize), dcol, cg, true);
        }
      });
    },
  };
}
