/** Embedding lookup: gather rows of a table; the gradient is a sparse scatter-add into the touched rows. */
import { alloc } from './memory.js';
import { CurioError } from '../core/index.js';
import { accumulate, gradBuffer, record } from './autograd.js';
import { kernels } from './backend.js';
import { Tensor } from './tensor.js';

export interface GatherOptions {
  /** Shape of the id array (default: [ids.length]); the output is [...shape, dim]. */
  shape?: readonly number[];
  /** Row that never receives gradient (a padding id), as torch's padding_idx. */
  paddingIdx?: number;
  /** Multiply the gathered rows by this (e.g. sqrt(dim) in transformers); default 1. */
  scale?: number;
}

function checkIds(ids: Int32Array, rows: number): void {
  for (let i = 0; i < ids.length; i++) {
    const r = ids[i];
    if (!(r >= 0 && r < rows)) throw new CurioError('BAD_INPUT', `id ${r} out of range [0, ${rows})`);
  }
}

/** table[ids] for a [rows, dim] table. */
export function gatherRows(table: Tensor, ids: Int32Array, opts: GatherOptions = {}): Tensor {
  if (table.shape.length !== 2) throw new CurioError('BAD_INPUT', `gatherRows needs a 2-D table, got [${table.shape}]`);
  const [rows, dim] = table.shape;
  const out = new Tensor(alloc(ids.length * dim, false), [...(opts.shape ?? [ids.length]), dim]);
  checkIds(ids, rows);
  const k = opts.scale ?? 1;
  kernels().gatherRows(table.data, ids, out.data, dim, k);
  const pad = opts.paddingIdx ?? -1;
  return record(out, [table], (g) => {
    kernels().scatterAddRows(g, ids, gradBuffer(table, false), dim, k, pad);
    const tracker = table.rows;
    if (tracker) for (let i = 0; i < ids.length; i++) if (ids[i] !== pad) tracker.mark(ids[i]);
  });
}

/**
 * out[i] = x[i] · table[ids[i]] for x of shape [..., dim]: scores of chosen items (positives,
 * sampled negatives) without materialising the gathered rows. Output shape is x's without the last dim.
 */
export function gatherDot(x: Tensor, table: Tensor, ids: Int32Array): Tensor {
  const [rows, dim] = table.shape;
  if (table.shape.length !== 2 || x.lastDim !== dim || x.size / dim !== ids.length) {
    throw new CurioError('BAD_INPUT', `gatherDot: x [${x.shape}], table [${table.shape}], ${ids.length} ids`);
  }
  const out = new Tensor(alloc(ids.length, false), x.shape.slice(0, -1));
  checkIds(ids, rows);
  kernels().gatherDot(x.data, table.data, ids, out.data, dim);
  return record(out, [x, table], (g) => {
    const gx = x.requiresGrad ? alloc(x.size, false) : null;
    const gt = table.requiresGrad ? gradBuffer(table, false) : null;
    kernels().gatherDotBackward(g, x.data, table.data, ids, gx, gt, dim);
    const tracker = table.rows;
    if (gt && tracker) for (let i = 0; i < ids.length; i++) tracker.mark(ids[i]);
    if (gx) accumulate(x, gx, true);
  });
}
