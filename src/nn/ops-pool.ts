/** Pooling over NHWC pictures: max and average over k×k windows, and global average pooling. */
import { CurioError } from '../core/index.js';
import { accumulate, record } from './autograd.js';
import { alloc } from './memory.js';
import { windowGeometry, type WindowGeometry } from './ops-conv.js';
import { Tensor } from './tensor.js';

export interface PoolOptions {
  /** Step between windows (default: the window size, i.e. windows do not overlap). */
  stride?: number;
  /** Positions added on every side; they never win a max and do not count in an average (default 0). */
  padding?: number;
}

function geometry(x: Tensor, k: number, opts: PoolOptions, what: string): WindowGeometry {
  return windowGeometry(x, k, k, opts.stride ?? k, opts.padding ?? 0, what);
}

/**
 * Calls visit(outIndex, inIndex) for every (output value, input value inside its window) pair, with
 * indices into the NHWC buffers; `start(outIndex)` / `end(outIndex, count)` bracket each window.
 */
function eachWindow(
  g: WindowGeometry,
  start: (o: number) => void,
  visit: (o: number, i: number) => void,
  end: (o: number, count: number) => void,
): void {
  const { n, h, w, c, kh, kw, stride, padding, outH, outW } = g;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.max(0, oy * stride - padding);
      const y1 = Math.min(h, oy * stride - padding + kh);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = Math.max(0, ox * stride - padding);
        const x1 = Math.min(w, ox * stride - padding + kw);
        const oBase = ((b * outH + oy) * outW + ox) * c;
        for (let ch = 0; ch < c; ch++) start(oBase + ch);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const iBase = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) visit(oBase + ch, iBase + ch);
          }
        }
        const count = (y1 - y0) * (x1 - x0);
        for (let ch = 0; ch < c; ch++) end(oBase + ch, count);
      }
    }
  }
}

/** Largest value of each k×k window, per channel: [n, h, w, c] → [n, outH, outW, c]. The gradient goes to the (first) largest input. */
export function maxPool2d(x: Tensor, k: number, opts: PoolOptions = {}): Tensor {
  const g = geometry(x, k, opts, 'maxPool2d');
  const out = new Tensor(alloc(g.n * g.outH * g.outW * g.c, false), [g.n, g.outH, g.outW, g.c]);
  const y = out.data;
  const xs = x.data;
  const argmax = new Int32Array(out.size);
  // Inlined window walk (no per-value callbacks): the max pool runs over every activation of a picture net.
  const { n, h, w, c, stride, padding, outH, outW } = g;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.max(0, oy * stride - padding);
      const y1 = Math.min(h, oy * stride - padding + k);
      for (let ox = 0; ox < outW; ox++, o += c) {
        const x0 = Math.max(0, ox * stride - padding);
        const x1 = Math.min(w, ox * stride - padding + k);
        for (let ch = 0; ch < c; ch++) {
          y[o + ch] = Number.NEGATIVE_INFINITY;
          argmax[o + ch] = -1;
        }
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const i = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              if (xs[i + ch] > y[o + ch]) {
                y[o + ch] = xs[i + ch];
                argmax[o + ch] = i + ch;
              }
            }
          }
        }
      }
    }
  }
  return record(out, [x], (grad) => {
    const gx = alloc(x.size);
    for (let o = 0; o < grad.length; o++) if (argmax[o] >= 0) gx[argmax[o]] += grad[o];
    accumulate(x, gx, true);
  });
}

/** Mean of each k×k window, per channel (padding not counted): [n, h, w, c] → [n, outH, outW, c]. */
export function avgPool2d(x: Tensor, k: number, opts: PoolOptions = {}): Tensor {
  const g = geometry(x, k, opts, 'avgPool2d');
  const out = new Tensor(alloc(g.n * g.outH * g.outW * g.c), [g.n, g.outH, g.outW, g.c]);
  const y = out.data;
  const xs = x.data;
  const counts = new Float32Array(out.size);
  eachWindow(
    g,
    () => {},
    (o, i) => {
      y[o] += xs[i];
    },
    (o, count) => {
      counts[o] = count;
      y[o] /= count;
    },
  );
  return record(out, [x], (grad) => {
    const gx = alloc(x.size);
    eachWindow(
      g,
      () => {},
      (o, i) => {
        gx[i] += grad[o] / counts[o];
      },
      () => {},
    );
    accumulate(x, gx, true);
  });
}

/** Mean over height and width: [n, h, w, c] → [n, c]. */
export function globalAvgPool(x: Tensor): Tensor {
  if (x.shape.length !== 4) throw new CurioError('BAD_INPUT', `globalAvgPool needs an NHWC input, got [${x.shape}]`);
  const [n, h, w, c] = x.shape;
  const hw = h * w;
  const out = new Tensor(alloc(n * c), [n, c]);
  const y = out.data;
  const xs = x.data;
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < hw; p++) {
      const base = (b * hw + p) * c;
      for (let ch = 0; ch < c; ch++) y[b * c + ch] += xs[base + ch];
    }
    for (let ch = 0; ch < c; ch++) y[b * c + ch] /= hw;
  }
  return record(out, [x], (grad) => {
    const gx = alloc(x.size, false);
    for (let b = 0; b < n; b++) {
      for (let p = 0; p < hw; p++) {
        const base = (b * hw + p) * c;
        for (let ch = 0; ch < c; ch++) gx[base + ch] = grad[b * c + ch] / hw;
      }
    }
    accumulate(x, gx, true);
  });
}
