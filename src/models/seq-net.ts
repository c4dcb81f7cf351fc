/**
 * The two sequence networks: the faithful SASRec encoder from src/nn, and Curio's multi-behaviour encoder
 * (item + side-feature + behaviour + time-gap + position tokens, pre-LN or SASRec blocks).
 */
import { createRng, CurioError, EVENT_TYPES, type Rng } from '../core/index.js';
import {
  add,
  createSequenceBlock,
  Embedding,
  gatherRows,
  LayerNorm,
  maskRows,
  matmul,
  Module,
  reshape,
  SasrecEncoder,
  slice,
  tensor,
  dropout,
  type AttentionWeights,
  type SequenceBlock,
  type SequenceBlockStyle,
  type SequenceContext,
  type Tensor,
} from '../nn/index.js';
import { GAP_BUCKETS, type SeqBatch } from './seq-data.js';
import { PAIR_TIME_BUCKETS, pairTimeBuckets } from './seq-pair-times.js';

/** A network that maps a batch to hidden states [batch, len, dim] scored against `outputTable()` rows. */
export abstract class SeqNet extends Module {
  abstract readonly dim: number;
  abstract readonly maxLen: number;
  /** Hidden states for the batch; `table` is outputTable() when the caller already has it. */
  abstract forward(b: SeqBatch, table?: Tensor): Tensor;
  /** [nItems + 1, dim]: row i + 1 is item i's output embedding (row 0 = padding, zero). */
  abstract outputTable(): Tensor;
  /** True when every batch must be padded to maxLen. */
  abstract readonly fixedLength: boolean;
  /** True when batches are right-padded (CurioNetOptions.positions other than 'newest'). */
  readonly fromOldest: boolean = false;
  /** The tables with one row per item (row i + 1 = item i): a warm start copies them row by row, by item id. */
  abstract itemTables(): Tensor[];
  /** The attribute table when the net has item side features (row = dense attribute id, ItemFeatures.names). */
  attributeTable(): Tensor | null {
    return null;
  }
  /** Present on nets that can represent an item from its attribute names alone (see CurioNet). */
  coldItemVectors?(attributeNames: readonly (readonly string[])[]): Float32Array;
}

/** Re-draws an embedding table N(0, std), keeping the padding row at zero. */
function reinit(e: Embedding, std: number, rng: Rng, padding: boolean): void {
  const w = e.weight.data;
  for (let k = 0; k < w.length; k++) w[k] = rng.normal() * std;
  if (padding) w.fill(0, 0, e.weight.shape[1]);
}

export interface SasrecNetOptions {
  seed: number;
  nItems: number;
  maxLen: number;
  dim: number;
  blocks: number;
  heads: number;
  dropoutRate: number;
}

/** SASRec (Kang & McAuley 2018) as src/nn builds it; embeddings drawn Xavier-normal as the reference PyTorch port. */
export class SasrecNet extends SeqNet {
  readonly enc: SasrecEncoder;
  // Length-bucketed batches: leading padding is dropped (SASRec masks padded keys, so the function is the same).
  readonly fixedLength = false;

  constructor(o: SasrecNetOptions) {
    super();
    const rng = createRng(o.seed);
    this.enc = new SasrecEncoder({
      rng,
      numItems: o.nItems,
      maxLen: o.maxLen,
      dim: o.dim,
      blocks: o.blocks,
      heads: o.heads,
      dropoutRate: o.dropoutRate,
      style: 'sasrec',
    });
    reinit(this.enc.items, Math.sqrt(2 / (o.nItems + 1 + o.dim)), rng, true);
    reinit(this.enc.positions, Math.sqrt(2 / (o.maxLen + o.dim)), rng, false);
  }

  get dim(): number {
    return this.enc.dim;
  }

  get maxLen(): number {
    return this.enc.maxLen;
  }

  forward(b: SeqBatch): Tensor {
    if (b.fromOldest) throw new CurioError('BAD_INPUT', 'sasrec reads left-padded batches only');
    return this.enc.forward(b.items, b.len);
  }

  outputTable(): Tensor {
    return this.enc.items.weight;
  }

  itemTables(): Tensor[] {
    return [this.enc.items.weight];
  }
}

/** Item side features as a padded [nItems + 1, width] id matrix (0 = none) and 1 / count per row. */
export interface ItemFeatures {
  width: number;
  ids: Int32Array;
  invCount: Float32Array;
  vocab: number;
  /**
   * The attribute name of each dense id (names[0] = '' for none), which identifies an attribute across
   * datasets. Absent in artifacts written before names were kept.
   */
  names?: readonly string[];
}

/**
 * Builds ItemFeatures from per-item attribute ids (at most maxPerItem kept per item); null when there are none.
 * Dense ids are given per distinct name (`names[id]`, else String(id)), in first-seen order.
 */
export function itemFeatures(
  attrs: readonly (Int32Array | undefined)[] | undefined,
  nItems: number,
  options: { names?: readonly string[]; maxPerItem?: number } = {},
): ItemFeatures | null {
  if (!attrs || !attrs.some((a) => a && a.length > 0)) return null;
  const width = Math.min(options.maxPerItem ?? 8, Math.max(...attrs.map((a) => a?.length ?? 0)));
  const dense = new Map<string, number>();
  const ids = new Int32Array((nItems + 1) * width);
  const invCount = new Float32Array(nItems + 1);
  for (let i = 0; i < nItems; i++) {
    const a = attrs[i] ?? new Int32Array(0);
    const n = Math.min(width, a.length);
    for (let k = 0; k < n; k++) {
      const name = options.names?.[a[k]] ?? String(a[k]);
      let id = dense.get(name);
      if (id === undefined) dense.set(name, (id = dense.size + 1));
      ids[(i + 1) * width + k] = id;
    }
    invCount[i + 1] = n > 0 ? 1 / n : 0;
  }
  return { width, ids, invCount, vocab: dense.size + 1, names: ['', ...dense.keys()] };
}

/** Dense attribute id by name (the padding id 0 left out); null when the names are unknown. */
export function attributeIndex(f: ItemFeatures | null): Map<string, number> | null {
  if (!f?.names) return null;
  const index = new Map<string, number>();
  f.names.forEach((name, id) => {
    if (id > 0 && !index.has(name)) index.set(name, id);
  });
  return index;
}

export interface CurioNetOptions extends SasrecNetOptions {
  style: SequenceBlockStyle;
  features: ItemFeatures | null;
  behaviourTokens: boolean;
  gapTokens: boolean;
  /** Attention weights; default softmax, pointwise under `hstu`. */
  attention?: AttentionWeights;
  /** A learned per-head bias per bucketed distance i - j in every block. */
  relativeBias?: boolean;
  /** A learned per-head bias per bucket of the time between the two events in every block. */
  timeBias?: boolean;
  /** > 0: every transformer block mixes tokens with a learned causal filter too (TransformerBlockOptions.mixer). */
  mixer?: number;
  /** How the encoder knows the order of events (SeqPositions; default 'newest'). */
  positions?: SeqPositions;
}

/**
 * How the encoder knows the order of events. 'newest' (SASRec's left padding): learned positions counted
 * from the newest event, which always has the last one, so a window's inner positions train with position
 * numbers that serving only ever gives the newest event. 'oldest' (right padding): learned positions
 * counted from the oldest event, the same in every longer window. 'relative' (right padding): no position
 * table; the attention's bias per distance and a per-lag token mixer carry the order, so the encoder is the
 * same at every offset. Under 'oldest' and 'relative' each position of a training window is computed
 * exactly as serving computes that prefix: training every position is training every prefix, at the cost
 * of one window.
 */
export type SeqPositions = 'newest' | 'oldest' | 'relative';

/**
 * Curio's encoder: x = E[item] + mean(A[attributes of item]) + B[behaviour] + G[gap bucket] + P[position],
 * dropout, masked blocks, final LayerNorm. The output table is E + mean(A), so an item seen only in the
 * catalogue (no events) still has the representation of its attributes.
 */
export class CurioNet extends SeqNet {
  readonly items: Embedding;
  readonly attrs: Embedding | null;
  readonly behaviours: Embedding | null;
  readonly gaps: Embedding | null;
  readonly positions: Embedding | null;
  readonly blocks: SequenceBlock[];
  readonly lnFinal: LayerNorm;
  readonly dim: number;
  readonly maxLen: number;
  readonly fixedLength = false;
  override readonly fromOldest: boolean;
  private readonly features: ItemFeatures | null;
  private slotWeights: Float32Array | undefined;
  private attributeIds: Map<string, number> | null | undefined;
  private readonly dropoutRate: number;
  private readonly timeBias: boolean;
  private readonly rng: Rng;

  constructor(o: CurioNetOptions) {
    super();
    const rng = createRng(o.seed);
    const std = 1 / Math.sqrt(o.dim);
    this.items = new Embedding(o.nItems + 1, o.dim, { rng, paddingIdx: 0, std });
    this.attrs = o.features ? new Embedding(o.features.vocab, o.dim, { rng, paddingIdx: 0, std }) : null;
    this.behaviours = o.behaviourTokens ? new Embedding(EVENT_TYPES.length + 1, o.dim, { rng, paddingIdx: 0, std }) : null;
    this.gaps = o.gapTokens ? new Embedding(GAP_BUCKETS, o.dim, { rng, paddingIdx: 0, std }) : null;
    const relative = o.positions === 'relative';
    this.positions = relative ? null : new Embedding(o.maxLen, o.dim, { rng, std });
    this.blocks = Array.from({ length: o.blocks }, () =>
      createSequenceBlock(o.dim, {
        rng,
        heads: o.heads,
        dropoutRate: o.dropoutRate,
        style: o.style,
        activation: 'gelu',
        maxLen: o.maxLen,
        attention: o.attention,
        relativeBias: o.relativeBias || relative,
        timeBuckets: o.timeBias ? PAIR_TIME_BUCKETS : 0,
        mixer: o.mixer,
        mixerKind: relative ? 'lags' : 'pairs',
      }),
    );
    this.lnFinal = new LayerNorm(o.dim);
    this.dim = o.dim;
    this.maxLen = o.maxLen;
    this.features = o.features;
    this.dropoutRate = o.dropoutRate;
    this.timeBias = !!o.timeBias;
    this.fromOldest = (o.positions ?? 'newest') !== 'newest';
    this.rng = rng.fork();
  }

  itemTables(): Tensor[] {
    return [this.items.weight];
  }

  override attributeTable(): Tensor | null {
    return this.attrs?.weight ?? null;
  }

  /**
   * Output-space vectors [attributeNames.length, dim] of items without a row (added after training): the
   * output table's mean(A[attributes]) with E[item] = 0, over the first `width` names as for a trained item.
   * Names the model never saw have no row and are skipped; an item with none known gets the zero vector
   * (score 0 for every state: no preference either way).
   */
  override coldItemVectors(attributeNames: readonly (readonly string[])[]): Float32Array {
    const dim = this.dim;
    const out = new Float32Array(attributeNames.length * dim);
    const f = this.features;
    if (this.attributeIds === undefined) this.attributeIds = attributeIndex(f);
    if (!f || !this.attrs || !this.attributeIds) return out;
    const w = this.attrs.weight.data;
    attributeNames.forEach((names, c) => {
      const known = names
        .slice(0, f.width)
        .map((name) => this.attributeIds!.get(name))
        .filter((id): id is number => id !== undefined);
      for (const id of known) for (let d = 0; d < dim; d++) out[c * dim + d] += w[id * dim + d] / known.length;
    });
    return out;
  }

  outputTable(): Tensor {
    const f = this.features;
    if (!f || !this.attrs) return this.items.weight;
    const rows = f.invCount.length;
    const gathered = gatherRows(this.attrs.weight, f.ids, { shape: [rows, f.width], paddingIdx: 0 });
    // The mean over each item's attributes as a batch of [1, width] x [width, dim] products (far faster than sum + mul).
    this.slotWeights ??= Float32Array.from(f.ids, (id, k) => (id > 0 ? f.invCount[Math.floor(k / f.width)] : 0));
    const meanAttr = reshape(matmul(tensor(this.slotWeights, [rows, 1, f.width]), gathered), [rows, this.dim]);
    return add(this.items.weight, meanAttr);
  }

  forward(b: SeqBatch, table: Tensor = this.outputTable()): Tensor {
    const shape = [b.batch, b.len];
    let x = gatherRows(table, b.items, { shape, paddingIdx: 0 });
    if (this.behaviours) x = add(x, this.behaviours.forward(b.types, shape));
    if (this.gaps) x = add(x, this.gaps.forward(b.gaps, shape));
    if (b.fromOldest !== this.fromOldest)
      throw new CurioError('BAD_INPUT', `this net reads ${this.fromOldest ? 'right' : 'left'}-padded batches`);
    // Left padding: the newest event always sits at position maxLen - 1; right padding: the oldest at 0.
    const first = this.fromOldest ? 0 : this.maxLen - b.len;
    if (this.positions) x = add(x, slice(this.positions.weight, 0, first, first + b.len));
    if (this.training && this.dropoutRate > 0) x = dropout(x, this.dropoutRate, this.rng);
    const keep = Uint8Array.from(b.items, (id) => (id > 0 ? 1 : 0));
    x = maskRows(x, keep);
    // The blocks read padding (pointwise attention masks it) and, with a time bias, the time between events.
    const ctx: SequenceContext = {
      keep,
      pairTimes: this.timeBias ? pairTimeBuckets(b.gaps, b.batch, b.len) : undefined,
      fromOldest: this.fromOldest,
    };
    for (const block of this.blocks) x = maskRows(block.forward(x, ctx), keep);
    return this.lnFinal.forward(x);
  }
}
