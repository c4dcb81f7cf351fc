/**
 * The serving side of the sequential transformers: a Recommender that encodes the state's newest events
 * on every call (so a new event changes the next recommendations at once), item embeddings for
 * item-to-item similarity, and the artifact (every parameter by name, plus the item side features).
 */
import { CurioError } from '../core/index.js';
import { loadStateDict, noGrad, tensor, tidy, type Tensor } from '../nn/index.js';
import type { ArtifactArray, ModelArtifact } from './artifact.js';
import type { Recommender, UserState, WarmStart } from './recommender.js';
import { stateBatch } from './seq-data.js';
import { attributeIndex, type ItemFeatures, type SeqNet } from './seq-net.js';
import { topK } from './top-k.js';

/** A sequential recommender with learned item embeddings. */
export interface SequentialRecommender extends Recommender {
  readonly embeddingDim: number;
  /** The user's hidden vector for this state: item j's score is its dot product with row j of `itemEmbeddings()`. */
  userVector(state: UserState): Float32Array;
  /** Output embeddings of items 0..nItems-1, row-major [nItems, embeddingDim] (a copy). */
  itemEmbeddings(): Float32Array;
  /**
   * Arrays worked out from the weights that a restore would otherwise compute again: added to the artifact
   * by the thread that checks it (src/train/verify-worker.ts) so the serving thread does not compute them.
   * Never saved. The model's own arrays: the model must not be used after they are handed over.
   */
  derivedArrays(): Record<string, Float32Array>;
  /** The k items most similar to `item` by cosine of their embeddings (the item itself left out). */
  similarItems(item: number, k: number): { item: number; score: number }[];
  /**
   * Output embeddings, row-major [attributeNames.length, embeddingDim], of items the model has no row for
   * (added after training), from each one's attribute names (`itemAttributeNames` in src/data for a store
   * item). A cold item's score is `userVector(state)` · its row, on the scale of the trained items' scores.
   * Present on models with item side features (curio-seq); unknown names contribute nothing.
   */
  coldItemVectors?(attributeNames: readonly (readonly string[])[]): Float32Array;
}

/** True when a model offers item embeddings (sasrec, curio-seq). */
export function isSequentialRecommender(model: Recommender): model is SequentialRecommender {
  return typeof (model as Partial<SequentialRecommender>).itemEmbeddings === 'function';
}

export interface SeqModelArgs {
  id: string;
  artifactVersion: number;
  params: Record<string, unknown>;
  nItems: number;
  net: SeqNet;
  features?: ItemFeatures | null;
  meta?: Record<string, unknown>;
  /** The net's output table, row-major [nItems + 1, dim], when already worked out (see derivedArrays). */
  outputTable?: Float32Array;
}

/** The artifact key of the precomputed output table (derivedArrays). */
const OUTPUT_TABLE = 'derived:outputTable';

/** The precomputed output table in a restored artifact, when it is there and of the net's shape. */
export function derivedOutputTable(artifact: ModelArtifact, dim: number): Float32Array | undefined {
  const table = artifact.arrays[OUTPUT_TABLE];
  return table instanceof Float32Array && table.length === (artifact.nItems + 1) * dim ? table : undefined;
}

/** Wraps a trained (or restored) net as a Recommender. */
export function createSeqModel(a: SeqModelArgs): SequentialRecommender {
  const { net, nItems } = a;
  const dim = net.dim;
  net.eval();
  // The output table is fixed once trained: computed once per model object (or handed over, computed elsewhere).
  const table = a.outputTable ?? tidy(() => noGrad(() => net.outputTable().data.slice()));
  const tableTensor = tensor(table, [nItems + 1, dim]);
  const embeddings = (): Float32Array => table.slice(dim, (nItems + 1) * dim);
  const userVector = (state: UserState): Float32Array => {
    const len = net.fixedLength ? net.maxLen : Math.max(1, Math.min(net.maxLen, state.items.length));
    const b = stateBatch(state, len, nItems, net.fromOldest);
    // The newest event's row: the last column, or under right padding the last filled one (the same
    // column whenever len is the state's length, as it is for every net that is not fixed-length).
    const row = net.fromOldest ? Math.max(1, Math.min(len, state.items.length)) - 1 : len - 1;
    return tidy(() => noGrad(() => net.forward(b, tableTensor).data.slice(row * dim, (row + 1) * dim)));
  };
  return {
    id: a.id,
    params: a.params,
    nItems,
    embeddingDim: dim,
    userVector,
    scoreAll(state: UserState, out = new Float32Array(nItems)) {
      const h = userVector(state);
      for (let j = 0; j < nItems; j++) {
        let s = 0;
        const o = (j + 1) * dim;
        for (let d = 0; d < dim; d++) s += h[d] * table[o + d];
        out[j] = s;
      }
      return out;
    },
    itemEmbeddings: embeddings,
    derivedArrays: () => ({ [OUTPUT_TABLE]: table }),
    ...(net.coldItemVectors ? { coldItemVectors: (names: readonly (readonly string[])[]) => net.coldItemVectors!(names) } : {}),
    similarItems(item, k) {
      if (!(item >= 0 && item < nItems)) throw new CurioError('BAD_INPUT', `item ${item} out of range [0, ${nItems})`);
      const norms = new Float32Array(nItems);
      for (let j = 0; j < nItems; j++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += table[(j + 1) * dim + d] ** 2;
        norms[j] = Math.sqrt(s) || 1;
      }
      const scores = new Float32Array(nItems);
      for (let j = 0; j < nItems; j++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += table[(item + 1) * dim + d] * table[(j + 1) * dim + d];
        scores[j] = s / (norms[item] * norms[j]);
      }
      const excluded = new Uint8Array(nItems);
      excluded[item] = 1;
      return Array.from(topK(scores, k, excluded), (j) => ({ item: j, score: scores[j] }));
    },
    toArtifact(): ModelArtifact {
      const arrays: Record<string, ArtifactArray> = {};
      for (const [name, p] of net.namedParameters()) arrays[`p:${name}`] = p.data;
      if (a.features) {
        arrays.featureIds = a.features.ids;
        arrays.featureInvCount = a.features.invCount;
      }
      const f = a.features;
      const meta = {
        ...(a.meta ?? {}),
        ...(f ? { featureWidth: f.width, featureVocab: f.vocab, ...(f.names ? { featureNames: f.names } : {}) } : {}),
      };
      return { modelId: a.id, artifactVersion: a.artifactVersion, params: a.params, nItems, meta, arrays };
    },
  };
}

/** The item side features stored in an artifact, or null. */
export function featuresFromArtifact(artifact: ModelArtifact): ItemFeatures | null {
  const ids = artifact.arrays.featureIds;
  const inv = artifact.arrays.featureInvCount;
  if (!(ids instanceof Int32Array) || !(inv instanceof Float32Array)) return null;
  const vocab = Number(artifact.meta.featureVocab);
  const names = artifact.meta.featureNames;
  // Older artifacts have no names: their attributes cannot be matched by name (warm start, cold items).
  const named = Array.isArray(names) && names.length === vocab && names.every((n) => typeof n === 'string');
  return { ids, invCount: inv, width: Number(artifact.meta.featureWidth), vocab, ...(named ? { names: names as string[] } : {}) };
}

/** Copies an artifact's parameters into a freshly built net of the same shape (BAD_INPUT on mismatch). */
export function loadNetFromArtifact(net: SeqNet, artifact: ModelArtifact): void {
  const tensors = new Map<string, Tensor>();
  for (const [name, p] of net.namedParameters()) {
    const a = artifact.arrays[`p:${name}`];
    if (a instanceof Float32Array) tensors.set(name, tensor(a, p.shape));
  }
  loadStateDict(net, tensors);
}

export interface WarmStartArgs {
  modelId: string;
  /** The params being fitted; `architecture` names those that must equal the warm model's. */
  params: Record<string, unknown>;
  architecture: readonly string[];
  /** External id of each item of the data being fitted (`train.items`). */
  itemIds: readonly string[];
  /** The side features of the data being fitted (with names), when the net has them. */
  features: ItemFeatures | null;
}

/**
 * Overwrites a freshly built (randomly initialised) net with the warm model's weights, as WarmStart
 * describes: rows of item tables by external item id, attribute rows by name, everything else whole.
 * BAD_INPUT when the warm model is of another family, its architecture params differ, or a weight does not fit.
 */
export function warmStartNet(net: SeqNet, warm: WarmStart, a: WarmStartArgs): void {
  const m = warm.model;
  if (m.id !== a.modelId) throw new CurioError('BAD_INPUT', `warm start: the model is ${m.id}, not ${a.modelId}`);
  if (warm.itemIds.length !== m.nItems) {
    throw new CurioError('BAD_INPUT', `warm start: ${warm.itemIds.length} item ids for a model of ${m.nItems} items`);
  }
  const problems = a.architecture
    .filter((k) => m.params[k] !== a.params[k])
    .map((k) => ({ path: k, message: `${JSON.stringify(a.params[k])} here, ${JSON.stringify(m.params[k])} in the warm model` }));
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path} (${p.message})`).join(', ');
    throw new CurioError('BAD_INPUT', `warm start: the architecture differs from the warm model's: ${list}`, { problems });
  }
  const artifact = m.toArtifact();
  const itemTables = new Set(net.itemTables());
  const attributes = net.attributeTable();
  const warmIndex = new Map(warm.itemIds.map((id, i) => [id, i]));
  const unfit = (name: string): CurioError => new CurioError('BAD_INPUT', `warm start: the warm model's ${name} does not fit this net`);
  for (const [name, p] of net.namedParameters()) {
    const from = artifact.arrays[`p:${name}`];
    const dim = p.shape[p.shape.length - 1];
    if (p === attributes) {
      // A warm model without side features (or without their names) leaves the attribute rows fresh.
      if (!(from instanceof Float32Array)) continue;
      if (!copyRows(p.data, from, dim, attributeRowMap(a.features, featuresFromArtifact(artifact)))) throw unfit(name);
    } else if (itemTables.has(p)) {
      if (!(from instanceof Float32Array) || from.length !== (m.nItems + 1) * dim) throw unfit(name);
      // Row i + 1 is item i. Row 0 (padding) is never read as an input but is a class of the full softmax: kept as trained.
      const rows = a.itemIds.map((id, i): [number, number] => [i + 1, (warmIndex.get(id) ?? -1) + 1]).filter(([, w]) => w > 0);
      rows.push([0, 0]);
      if (!copyRows(p.data, from, dim, rows)) throw unfit(name);
    } else {
      if (!(from instanceof Float32Array) || from.length !== p.size) throw unfit(name);
      p.data.set(from);
    }
  }
}

/** [row here, row in the warm model] for every attribute name both know. */
function attributeRowMap(here: ItemFeatures | null, warm: ItemFeatures | null): [number, number][] {
  const warmIds = attributeIndex(warm);
  if (!here?.names || !warmIds) return [];
  const rows: [number, number][] = [];
  here.names.forEach((name, id) => {
    const w = id > 0 ? warmIds.get(name) : undefined;
    if (w !== undefined) rows.push([id, w]);
  });
  return rows;
}

/** Copies row w of `from` to row r of `to` for every [r, w]; false when a row is out of range. */
function copyRows(to: Float32Array, from: Float32Array, dim: number, rows: readonly [number, number][]): boolean {
  for (const [r, w] of rows) {
    if ((w + 1) * dim > from.length || (r + 1) * dim > to.length) return false;
    to.set(from.subarray(w * dim, (w + 1) * dim), r * dim);
  }
  return true;
}
