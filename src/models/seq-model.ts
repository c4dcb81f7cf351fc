/**
 * The serving side of the sequential transformers: a Recommender that encodes the state's newest events
 * on every call (so a new event changes the next recommendations at once), item embeddings for
 * item-to-item similarity, and the artifact (every parameter by name, plus the item side features).
 */
import { CurioError } from '../core/index.js';
import { loadStateDict, noGrad, tensor, tidy, type Tensor } from '../nn/index.js';
import type { ArtifactArray, ModelArtifact } from './artifact.js';
import type { Recommender, UserState } from './recommender.js';
import { stateBatch } from './seq-data.js';
import type { ItemFeatures, SeqNet } from './seq-net.js';
import { topK } from './top-k.js';

/** A sequential recommender with learned item embeddings. */
export interface SequentialRecommender extends Recommender {
  readonly embeddingDim: number;
  /** The user's hidden vector for this state: item j's score is its dot product with row j of `itemEmbeddings()`. */
  userVector(state: UserState): Float32Array;
  /** Output embeddings of items 0..nItems-1, row-major [nItems, embeddingDim] (a copy). */
  itemEmbeddings(): Float32Array;
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
}

/** Wraps a trained (or restored) net as a Recommender. */
export function createSeqModel(a: SeqModelArgs): SequentialRecommender {
  const { net, nItems } = a;
  const dim = net.dim;
  net.eval();
  // The output table is fixed once trained: computed once per model object.
  const table = tidy(() => noGrad(() => net.outputTable().data.slice()));
  const tableTensor = tensor(table, [nItems + 1, dim]);
  const embeddings = (): Float32Array => table.slice(dim, (nItems + 1) * dim);
  const userVector = (state: UserState): Float32Array => {
    const len = net.fixedLength ? net.maxLen : Math.max(1, Math.min(net.maxLen, state.items.length));
    const b = stateBatch(state, len, nItems);
    return tidy(() => noGrad(() => net.forward(b, tableTensor).data.slice((len - 1) * dim, len * dim)));
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
