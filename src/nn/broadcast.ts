/**
 * NumPy-style broadcasting: shapes align on the right and size-1 dims stretch. Inputs are expanded to
 * the output shape with fast paths for the two layouts models use (a tiled suffix such as [L, D] into
 * [B, L, D], and a spread prefix such as [B, L, 1] into [B, L, D]); gradients are summed back the same way.
 */
import { alloc } from './memory.js';
import { CurioError } from '../core/index.js';
import { sizeOf } from './tensor.js';

/** The broadcast result shape of two shapes, or BAD_INPUT. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new CurioError('BAD_INPUT', `cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

type Layout =
  | { kind: 'same' }
  | { kind: 'tile'; period: number } // input repeats every `period` output elements
  | { kind: 'spread'; inner: number } // each input element covers `inner` consecutive outputs
  | { kind: 'general'; strides: number[] };

function layoutOf(shape: readonly number[], out: readonly number[]): Layout {
  const size = sizeOf(shape);
  const outSize = sizeOf(out);
  if (size === outSize) return { kind: 'same' };
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  const first = padded.findIndex((d, i) => d === out[i] && d !== 1);
  const isTile = padded.every((d, i) => (first >= 0 && i >= first ? d === out[i] : d === 1));
  if (isTile || size === 1) return { kind: 'tile', period: size };
  let lastReal = -1;
  padded.forEach((d, i) => {
    if (d !== 1) lastReal = i;
  });
  if (padded.every((d, i) => (i <= lastReal ? d === out[i] : d === 1))) return { kind: 'spread', inner: outSize / size };
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let i = out.length - 1; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : s;
    s *= padded[i];
  }
  return { kind: 'general', strides };
}

/** Visit every output index with its input index, for the general (rare) layout. */
function forEachGeneral(out: readonly number[], strides: number[], fn: (o: number, i: number) => void): void {
  const n = sizeOf(out);
  const idx = new Array<number>(out.length).fill(0);
  let src = 0;
  for (let o = 0; o < n; o++) {
    fn(o, src);
    for (let d = out.length - 1; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < out[d]) break;
      src -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/** `data` of `shape` laid out over `out` (no copy when the shapes hold the same number of values). */
export function expandTo(data: Float32Array, shape: readonly number[], out: readonly number[]): Float32Array {
  const layout = layoutOf(shape, out);
  if (layout.kind === 'same') return data;
  const res = alloc(sizeOf(out), false);
  if (layout.kind === 'tile') {
    if (layout.period === 1) return res.fill(data[0]);
    for (let o = 0; o < res.length; o += layout.period) res.set(data, o);
  } else if (layout.kind === 'spread') {
    const inner = layout.inner;
    for (let i = 0; i < data.length; i++) res.fill(data[i], i * inner, (i + 1) * inner);
  } else {
    forEachGeneral(out, layout.strides, (o, i) => {
      res[o] = data[i];
    });
  }
  return res;
}

/** Sum a gradient laid out over `out` back onto `shape` (the adjoint of expandTo). */
export function reduceTo(grad: Float32Array, out: readonly number[], shape: readonly number[]): Float32Array {
  const layout = layoutOf(shape, out);
  if (layout.kind === 'same') return grad;
  const res = alloc(sizeOf(shape));
  if (layout.kind === 'tile') {
    const p = layout.period;
    for (let o = 0; o < grad.length; o += p) {
      for (let j = 0; j < p; j++) res[j] += grad[o + j];
    }
  } else if (layout.kind === 'spread') {
    const inner = layout.inner;
    for (let i = 0; i < res.length; i++) {
      let s = 0;
      for (let j = i * inner; j < (i + 1) * inner; j++) s += grad[j];
      res[i] = s;
    }
  } else {
    forEachGeneral(out, layout.strides, (o, i) => {
      res[i] += grad[o];
    });
  }
  return res;
}
