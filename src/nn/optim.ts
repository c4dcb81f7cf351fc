/**
 * Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019). Row-tracked tables whose gradient
 * touched only some rows get lazy updates: only those rows move, and their moments decay only when
 * touched (as TensorFlow's LazyAdam / torch SparseAdam). `step()` consumes the gradients (zeroes them).
 */
import { z } from 'zod';
import { parseOrThrow } from '../core/index.js';
import { kernels } from './backend.js';
import type { AdamHyper } from './kernels.js';
import type { Tensor } from './tensor.js';

export const AdamOptionsSchema = z.object({
  learningRate: z.number().positive().default(1e-3).describe('Step size.'),
  beta1: z.number().min(0).max(1).default(0.9).describe('First-moment decay.'),
  beta2: z.number().min(0).max(1).default(0.999).describe('Second-moment decay.'),
  eps: z.number().positive().default(1e-8).describe('Denominator floor.'),
  weightDecay: z.number().min(0).default(0).describe('L2 (Adam) or decoupled (AdamW) decay.'),
  /** Lazy row updates for row-tracked tables (default true). */
  lazyRows: z.boolean().default(true).describe('Update only embedding rows that received gradient.'),
});
export type AdamOptions = z.input<typeof AdamOptionsSchema>;

interface Slot {
  param: Tensor;
  m: Float32Array;
  v: Float32Array;
}

export class Adam {
  readonly options: z.output<typeof AdamOptionsSchema>;
  protected readonly decoupled: boolean = false;
  private readonly slots: Slot[];
  /** Steps taken so far. */
  stepCount = 0;

  constructor(params: readonly Tensor[], options: AdamOptions = {}) {
    this.options = parseOrThrow(AdamOptionsSchema, options, 'optimiser options');
    this.slots = params.map((p) => ({ param: p, m: new Float32Array(p.size), v: new Float32Array(p.size) }));
  }

  /** Current learning rate (settable for schedules). */
  get learningRate(): number {
    return this.options.learningRate;
  }

  set learningRate(value: number) {
    this.options.learningRate = value;
  }

  /** Apply one update from the accumulated gradients, then clear them. */
  step(): void {
    this.stepCount++;
    const o = this.options;
    const h: AdamHyper = {
      learningRate: o.learningRate,
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
      bias1: 1 - o.beta1 ** this.stepCount,
      bias2: 1 - o.beta2 ** this.stepCount,
      decoupled: this.decoupled,
    };
    const k = kernels();
    for (const s of this.slots) {
      const { param } = s;
      const grad = param.grad;
      if (grad === null) continue;
      const rows = param.rows;
      const buffers = { param: param.data, grad, m: s.m, v: s.v };
      if (rows && o.lazyRows && !rows.all) {
        k.adamRows(h, buffers, rows.list, rows.count, param.size / param.shape[0]);
      } else {
        k.adam(h, buffers);
        grad.fill(0);
      }
      rows?.reset();
    }
  }

  /** Drop all gradients without updating. */
  zeroGrad(): void {
    for (const { param } of this.slots) {
      param.grad?.fill(0);
      param.rows?.reset();
    }
  }

  /** Moment buffers by parameter index, for checkpointing. */
  state(): { m: Float32Array; v: Float32Array }[] {
    return this.slots.map(({ m, v }) => ({ m, v }));
  }
}

/** Adam with decoupled weight decay (default 0.01). */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: readonly Tensor[], options: AdamOptions = {}) {
    super(params, { weightDecay: 0.01, ...options });
  }
}
