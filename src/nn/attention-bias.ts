/** A block's learned relative attention bias (see ops-position-bias.ts) and the per-batch context blocks read. */
import { CurioError } from '../core/index.js';
import { constantInit } from './init.js';
import { Module } from './module.js';
import { distanceBuckets, relativeBias } from './ops-position-bias.js';
import type { Tensor } from './tensor.js';

/** What a block may read besides its input: where the padding is and how far apart in time each pair of events is. */
export interface SequenceContext {
  /** [batch, len], 0 = padding. */
  keep?: Uint8Array;
  /** [batch, len, len] time bucket of each (query, key) pair, < 0 for none; needed by blocks with a time bias. */
  pairTimes?: Int32Array;
  /** Sequences are right-padded and their positions count from the oldest event (see TokenMixer.forward). */
  fromOldest?: boolean;
}

export interface AttentionBiasOptions {
  heads: number;
  maxLen: number;
  /** Learn a bias per bucketed distance i - j. */
  distances: boolean;
  /** > 0: also learn a bias per pair time bucket 0 .. timeBuckets - 1. */
  timeBuckets: number;
}

/** Per-head bias tables, zero at the start (so a block starts out as it would be without them). */
export class AttentionBias extends Module {
  readonly distances: Tensor | null;
  readonly times: Tensor | null;

  constructor(o: AttentionBiasOptions) {
    super();
    if (!o.distances && !(o.timeBuckets > 0)) throw new CurioError('BAD_INPUT', 'an attention bias needs distances or time buckets');
    this.distances = o.distances ? constantInit([o.heads, distanceBuckets(o.maxLen)], 0) : null;
    this.times = o.timeBuckets > 0 ? constantInit([o.heads, o.timeBuckets], 0) : null;
  }

  /** The bias to add to the attention logits of a [batch, len] batch ([heads, len, len] or [batch, heads, len, len]). */
  forward(batch: number, len: number, ctx: SequenceContext): Tensor {
    if (this.times && !ctx.pairTimes) throw new CurioError('BAD_INPUT', 'a time attention bias needs the pair times of the batch');
    const times = this.times && ctx.pairTimes ? { table: this.times, pairs: ctx.pairTimes, batch } : undefined;
    return relativeBias({ distances: this.distances, len, times });
  }
}
