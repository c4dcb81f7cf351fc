/**
 * The `native` backend: the C addon in native/ (OpenBLAS sgemm plus fused C loops). Loading returns
 * null when the addon was not built, and the caller falls back to `js`.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kernels, PatchGeometry } from './kernels.js';

type Buf = Float32Array | Int32Array;
export interface Addon {
  gemm(...args: (number | Float32Array)[]): void;
  layerNormFwd(...args: (number | Float32Array)[]): void;
  layerNormBwd(...args: (number | Float32Array)[]): void;
  softmaxFwd(x: Float32Array, y: Float32Array, rows: number, cols: number, scale: number, causal: number): void;
  softmaxBwd(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, scale: number, causal: number): void;
  crossEntropyFwd(...args: (number | Buf)[]): void;
  crossEntropyBwd(...args: (number | Buf)[]): void;
  colSum(g: Float32Array, out: Float32Array, rows: number, cols: number): void;
  gatherRows(...args: (number | Buf)[]): void;
  scatterAddRows(...args: (number | Buf)[]): void;
  gatherDot(...args: (number | Buf)[]): void;
  gatherDotBwd(...args: (number | Buf | null)[]): void;
  addRows(out: Float32Array, row: Float32Array, rows: number, dim: number): void;
  reluFwd(x: Float32Array, y: Float32Array): void;
  reluBwd(x: Float32Array, g: Float32Array): void;
  adam(...args: (number | Buf)[]): void;
  adamRows(...args: (number | Buf)[]): void;
  patches(img: Float32Array, col: Float32Array, back: number, ...geometry: number[]): void;
  convFwd(...args: (number | Float32Array)[]): void;
  convBwd(...args: (number | Float32Array | null)[]): void;
  channelStats(x: Float32Array, mean: Float32Array, rstd: Float32Array, c: number, eps: number): void;
  channelAffine(x: Float32Array, a: Float32Array, b: Float32Array, y: Float32Array): void;
  channelGradSums(g: Float32Array, x: Float32Array, mean: Float32Array, sumG: Float32Array, sumGX: Float32Array): void;
  channelGradInput(...args: Float32Array[]): void;
  setThreads(n: number): void;
  getThreads(): number;
  mallocTrim(): boolean;
  /** The same trim on a libuv pool thread (absent in an addon built before it). */
  mallocTrimAsync?(): Promise<boolean>;
  mallocMmapThreshold(bytes: number): boolean;
}

/** Where node-gyp puts the addon (native/build/Release), or CURIO_NATIVE_ADDON when set. */
export function nativeAddonPath(): string {
  if (process.env.CURIO_NATIVE_ADDON) return process.env.CURIO_NATIVE_ADDON;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return join(root, 'native', 'build', 'Release', 'curio_nn.node');
}

/** Load the addon, or return the reason it is unavailable. */
export function loadNativeAddon(): Addon | string {
  const path = nativeAddonPath();
  if (!existsSync(path)) return `addon not built (${path} missing; run: node scripts/build-native.mjs)`;
  try {
    return createRequire(import.meta.url)(path) as Addon;
  } catch (error) {
    return `addon failed to load: ${(error as Error).message}`;
  }
}

/** The addon's kernels, or the reason they are unavailable. */
export function loadNativeKernels(): Kernels | string {
  const addon = loadNativeAddon();
  return typeof addon === 'string' ? addon : wrap(addon);
}

function wrap(n: Addon): Kernels {
  return {
    name: 'native',
    gemm: (g) =>
      n.gemm(
        +g.transA,
        +g.transB,
        g.m,
        g.n,
        g.k,
        g.alpha,
        g.a,
        g.lda,
        g.b,
        g.ldb,
        g.beta,
        g.c,
        g.ldc,
        g.batch,
        g.strideA,
        g.strideB,
        g.strideC,
      ),
    layerNormForward: (a) => n.layerNormFwd(a.x, a.gamma, a.beta, a.y, a.mean, a.rstd, a.rows, a.dim, a.eps),
    layerNormBackward: (a) => n.layerNormBwd(a.dy, a.x, a.gamma, a.mean, a.rstd, a.dx, a.dgamma, a.dbeta, a.rows, a.dim),
    softmaxForward: (x, y, s) => n.softmaxFwd(x, y, s.rows, s.cols, s.scale, +s.causal),
    softmaxBackward: (y, dy, dx, s) => n.softmaxBwd(y, dy, dx, s.rows, s.cols, s.scale, +s.causal),
    crossEntropyForward: (logits, targets, lse, losses, cols) => n.crossEntropyFwd(logits, targets, lse, losses, targets.length, cols),
    crossEntropyBackward: (logits, targets, lse, gRow, dx, cols) => n.crossEntropyBwd(logits, targets, lse, gRow, dx, targets.length, cols),
    colSum: (g, out, rows, cols) => n.colSum(g, out, rows, cols),
    gatherRows: (table, ids, out, dim, scale) => n.gatherRows(table, ids, out, dim, scale),
    scatterAddRows: (g, ids, gt, dim, scale, pad) => n.scatterAddRows(g, ids, gt, dim, scale, pad),
    gatherDot: (x, table, ids, out, dim) => n.gatherDot(x, table, ids, out, dim),
    gatherDotBackward: (g, x, table, ids, gx, gt, dim) => n.gatherDotBwd(g, x, table, ids, gx, gt, dim),
    addRows: (out, row, rows) => n.addRows(out, row, rows, row.length),
    reluForward: (x, y) => n.reluFwd(x, y),
    reluBackward: (x, g) => n.reluBwd(x, g),
    adam: (h, b) =>
      n.adam(h.learningRate, h.beta1, h.beta2, h.eps, h.weightDecay, h.bias1, h.bias2, +h.decoupled, b.param, b.grad, b.m, b.v),
    adamRows: (h, b, rows, count, dim) =>
      n.adamRows(
        h.learningRate,
        h.beta1,
        h.beta2,
        h.eps,
        h.weightDecay,
        h.bias1,
        h.bias2,
        +h.decoupled,
        b.param,
        b.grad,
        b.m,
        b.v,
        rows,
        count,
        dim,
      ),
    patches: (img, col, g, back) => n.patches(img, col, +back, ...geometryArgs(g)),
    convForward: (x, w, out, g, cOut, perChunk, accumulate) => n.convFwd(x, w, out, +accumulate, cOut, perChunk, ...geometryArgs(g)),
    convBackward: (x, w, grad, gw, gx, g, cOut, perChunk) => n.convBwd(x, w, grad, gw, gx, cOut, perChunk, ...geometryArgs(g)),
    channelStats: (x, mean, rstd, c, eps) => n.channelStats(x, mean, rstd, c, eps),
    channelAffine: (x, a, b, y) => n.channelAffine(x, a, b, y),
    channelGradSums: (g, x, mean, sumG, sumGX) => n.channelGradSums(g, x, mean, sumG, sumGX),
    channelGradInput: (g, x, mean, a, k1, k2, dx) => n.channelGradInput(g, x, mean, a, k1, k2, dx),
    setThreads: (t) => n.setThreads(t),
  };
}

/** A patch geometry as the addon's ten positional numbers. */
function geometryArgs(g: PatchGeometry): number[] {
  return [g.n, g.h, g.w, g.c, g.kh, g.kw, g.stride, g.padding, g.outH, g.outW];
}
