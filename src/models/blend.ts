import { z } from 'zod';
import { CurioError, parseOrThrow } from '../core/index.js';
import { decodeArtifact, encodeArtifact, type ModelArtifact } from './artifact.js';
import { artifactArray, defineModel } from './define-model.js';
import type { Capability, FitOptions, ModelSpec, Recommender, UserState } from './recommender.js';

/** One model of a blend and the weight of its standardised scores. */
export interface BlendPart {
  model: Recommender;
  weight: number;
}

/** A weighted sum of several models' per-call standardised scores. */
export interface BlendRecommender extends Recommender {
  readonly parts: readonly BlendPart[];
  /**
   * 'sequential' / 'session' when every part's family declares it. Parts are looked up with the `specOf`
   * given to `createBlend`; without it nothing is claimed (the spec's own list is empty for that reason).
   */
  readonly capabilities: readonly Capability[];
}

const ID = 'blend';
const VERSION = 1;
/** Parts carried over into a blend's capabilities when every part has them. */
const SHARED_CAPABILITIES: readonly Capability[] = ['sequential', 'session'];
/**
 * Bound on each part's weighted term: any sum over parts stays finite in float32, so a part's -Infinity
 * (an impossible item) never meets +Infinity, which would give NaN.
 */
const TERM_LIMIT = 1e30;
const DEFAULT_GRID: readonly number[] = [0, 0.25, 0.5, 1, 2, 4];

/**
 * A blend of trained models: per call, each part's scores are standardised (see `standardise`) and
 * summed with the part's weight. An item a weighted part scores -Infinity or NaN (impossible, or no usable
 * score) gets -Infinity; parts of weight 0 are not scored. BAD_INPUT when there are no parts, the parts
 * disagree on nItems, or a weight is negative / not finite / all are 0.
 */
export function createBlend(parts: readonly BlendPart[], specOf?: (id: string) => ModelSpec): BlendRecommender {
  if (parts.length === 0) throw new CurioError('BAD_INPUT', 'a blend needs at least one part');
  const nItems = parts[0].model.nItems;
  parts.forEach(({ model, weight }, k) => {
    if (model.nItems !== nItems) {
      throw new CurioError(
        'BAD_INPUT',
        `blend part ${k} (${model.id}) has ${model.nItems} items; part 0 (${parts[0].model.id}) has ${nItems}`,
      );
    }
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new CurioError('BAD_INPUT', `blend part ${k} (${model.id}) has weight ${weight}; weights must be finite and >= 0`);
    }
  });
  const active = parts.filter((p) => p.weight > 0);
  if (active.length === 0) throw new CurioError('BAD_INPUT', 'every weight of the blend is 0');
  // Parts are scored one after another, so one buffer holds the current part's scores and one its
  // finite values for the median; both live as long as the blend (no nItems arrays per call besides `out`).
  const scratch = new Float32Array(nItems);
  const work = new Float32Array(nItems);
  const frozen = parts.map((p) => ({ model: p.model, weight: p.weight }));
  return {
    id: ID,
    params: { parts: frozen.map((p) => ({ model: p.model.id, params: p.model.params, weight: p.weight })) },
    nItems,
    parts: frozen,
    capabilities: sharedCapabilities(frozen.map((p) => partCapabilities(p.model, specOf))),
    scoreAll(state: UserState, out = new Float32Array(nItems)) {
      out.fill(0);
      for (const { model, weight } of active) {
        model.scoreAll(state, scratch);
        const { centre, scale } = standardise(scratch, work);
        const factor = weight / scale;
        for (let j = 0; j < nItems; j++) {
          const s = scratch[j];
          if (!(s > Number.NEGATIVE_INFINITY)) {
            out[j] = Number.NEGATIVE_INFINITY;
            continue;
          }
          const term = (s - centre) * factor;
          out[j] += term > TERM_LIMIT ? TERM_LIMIT : term < -TERM_LIMIT ? -TERM_LIMIT : term;
        }
      }
      return out;
    },
    toArtifact: () => blendArtifact(frozen, nItems),
  };
}

/** The parts of a blend made by `createBlend` (fitted or restored), or null for any other model. */
export function blendParts(model: Recommender): readonly BlendPart[] | null {
  return isBlend(model) ? model.parts : null;
}

function isBlend(model: Recommender): model is BlendRecommender {
  const m = model as Partial<BlendRecommender>;
  return model.id === ID && Array.isArray(m.parts) && Array.isArray(m.capabilities);
}

/**
 * What every part can do; a `repeat` part (a known user's own past) only adds to the others, so the blend
 * keeps what they share.
 */
function sharedCapabilities(parts: ReadonlyArray<readonly Capability[]>): Capability[] {
  const scorers = parts.filter((c) => !c.includes('repeat'));
  if (scorers.length === 0) return ['repeat'];
  return SHARED_CAPABILITIES.filter((c) => scorers.every((part) => part.includes(c)));
}

function partCapabilities(model: Recommender, specOf: ((id: string) => ModelSpec) | undefined): readonly Capability[] {
  if (isBlend(model)) return model.capabilities;
  return specOf ? specOf(model.id).capabilities : [];
}

/**
 * Centre and scale of one part's scores for this call: the median of the finite scores, and the root
 * mean square distance from it of the scores at or above it (below it when those are all equal; 1 when
 * every finite score is the same, so the part adds nothing). A plain z-score would let one item masked
 * with a huge negative number blow up the spread and flatten the part; masked items sit below the median,
 * so neither statistic sees them (up to half the catalogue), while the items a slate can use are above it.
 */
function standardise(scores: Float32Array, work: Float32Array): { centre: number; scale: number } {
  let m = 0;
  for (let j = 0; j < scores.length; j++) if (Number.isFinite(scores[j])) work[m++] = scores[j];
  if (m === 0) return { centre: 0, scale: 1 };
  const centre = selectKth(work, m, (m - 1) >> 1);
  let above = 0;
  let nAbove = 0;
  let below = 0;
  let nBelow = 0;
  for (let q = 0; q < m; q++) {
    const d = work[q] - centre;
    if (d >= 0) {
      above += d * d;
      nAbove++;
    } else {
      below += d * d;
      nBelow++;
    }
  }
  const scale = above > 0 ? Math.sqrt(above / nAbove) : below > 0 ? Math.sqrt(below / nBelow) : 1;
  return { centre, scale };
}

/**
 * The k-th smallest of a[0..m) (reorders it): quickselect with three-way partitions, so the long runs of
 * equal scores of sparse models do not make it quadratic; pivots from a fixed xorshift sequence.
 */
function selectKth(a: Float32Array, m: number, k: number): number {
  let lo = 0;
  let hi = m - 1;
  let rand = 0x2545f491;
  while (lo < hi) {
    rand ^= rand << 13;
    rand ^= rand >>> 17;
    rand ^= rand << 5;
    const pivot = a[lo + ((rand >>> 0) % (hi - lo + 1))];
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i++] = a[lt];
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt--] = v;
      } else i++;
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return a[k];
}

/**
 * Each part's own artifact, encoded (checksummed) and packed into an Int32Array `part<k>` (the artifact
 * format has no byte arrays); `meta.partBytes` holds the byte lengths. Weights are in `params`.
 */
function blendArtifact(parts: readonly BlendPart[], nItems: number): ModelArtifact {
  return {
    modelId: ID,
    artifactVersion: VERSION,
    params: { parts: parts.map(({ model, weight }) => ({ model: model.id, params: model.params, weight })) },
    nItems,
    ...packParts(parts.map(({ model }) => model.toArtifact())),
  };
}

function packParts(artifacts: readonly ModelArtifact[]): Pick<ModelArtifact, 'meta' | 'arrays'> {
  const arrays: Record<string, Int32Array> = {};
  const partBytes: number[] = [];
  artifacts.forEach((artifact, k) => {
    const bytes = encodeArtifact(artifact);
    const packed = new Int32Array(Math.ceil(bytes.length / 4));
    new Uint8Array(packed.buffer).set(bytes);
    arrays[`part${k}`] = packed;
    partBytes.push(bytes.length);
  });
  return { meta: { partBytes }, arrays };
}

/** The parts' own artifacts, checked against the blend's params (ids) and item count. */
function unpackParts(artifact: ModelArtifact, p: BlendParams): ModelArtifact[] {
  const partBytes = artifact.meta.partBytes;
  if (!Array.isArray(partBytes) || partBytes.length !== p.parts.length) {
    throw new CurioError('BAD_INPUT', `artifact of ${ID} lacks valid meta.partBytes for its ${p.parts.length} parts`);
  }
  return p.parts.map((part, k) => {
    const packed = artifactArray(artifact, `part${k}`, Int32Array);
    const length = partBytes[k] as unknown;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > packed.byteLength) {
      throw new CurioError('BAD_INPUT', `artifact of ${ID}: part ${k} has an invalid byte length`);
    }
    const inner = decodeArtifact(Buffer.from(packed.buffer, packed.byteOffset, length), `${ID} part ${k}`);
    if (inner.modelId !== part.model || inner.nItems !== artifact.nItems) {
      throw new CurioError('BAD_INPUT', `artifact of ${ID}: part ${k} is ${inner.modelId} with ${inner.nItems} items, not ${part.model}`);
    }
    return inner;
  });
}

/** The blend's parts from its artifact, each rebuilt by its family's spec. */
function restoreParts(artifact: ModelArtifact, p: BlendParams, specOf: (id: string) => ModelSpec): BlendPart[] {
  return unpackParts(artifact, p).map((inner, k) => {
    const weight = p.parts[k].weight;
    if (weight === undefined) throw new CurioError('BAD_INPUT', `artifact of ${ID}: part ${k} has no weight`);
    return { model: specOf(inner.modelId).restore(inner), weight };
  });
}

/**
 * A blend's artifact with each part's own artifact passed through `change`, which returns the changed
 * artifact or null to keep it (an erasure rewriting a part's per-user rows in a stored version); null when
 * no part changed. BAD_INPUT when `artifact` is not a valid blend artifact.
 */
export function changeBlendParts(artifact: ModelArtifact, change: (part: ModelArtifact) => ModelArtifact | null): ModelArtifact | null {
  if (artifact.modelId !== ID) throw new CurioError('BAD_INPUT', `artifact is ${artifact.modelId}, not a ${ID}`);
  const parts = unpackParts(artifact, parseOrThrow(params, artifact.params, { what: `parameters of a ${ID} artifact` }));
  const changed = parts.map((part) => change(part));
  if (changed.every((c) => c === null)) return null;
  const packed = packParts(changed.map((c, k) => c ?? parts[k]));
  // Other arrays stay: a serving artifact carries its lists beside the parts.
  return { ...artifact, meta: { ...artifact.meta, ...packed.meta }, arrays: { ...artifact.arrays, ...packed.arrays } };
}

export interface FitBlendWeightsOptions {
  /** Candidate weights per part. Default [0, 0.25, 0.5, 1, 2, 4]. */
  grid?: readonly number[];
  /** Passes over the parts; stops early after a pass without gain. Default 3. */
  rounds?: number;
}

/**
 * Fits blend weights by a deterministic coordinate search maximising `validate` (higher is better): start
 * from the best part alone (weight 1, others 0), then, for each part in turn, try every grid weight with
 * the others fixed and keep the best, for up to `rounds` passes. Only strict gains move, so the result
 * scores at least as well as the best single part and ties keep the simpler blend. `score` is `validate`
 * of `createBlend` with the returned weights.
 *
 * `validate` must score on a validation set, never on the test set: the weights are chosen to maximise it,
 * so a test score computed by it would be optimistically biased.
 */
export function fitBlendWeights(
  parts: readonly Recommender[],
  validate: (model: Recommender) => number,
  options: FitBlendWeightsOptions = {},
): { weights: number[]; score: number } {
  const grid = options.grid ?? DEFAULT_GRID;
  const rounds = options.rounds ?? 3;
  if (parts.length === 0) throw new CurioError('BAD_INPUT', 'fitBlendWeights needs at least one part');
  if (grid.length === 0 || !grid.every((g) => Number.isFinite(g) && g >= 0)) {
    throw new CurioError('BAD_INPUT', 'fitBlendWeights: the grid must hold finite weights >= 0');
  }
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new CurioError('BAD_INPUT', 'fitBlendWeights: rounds must be an integer >= 1');
  const seen = new Map<string, number>();
  const scoreOf = (weights: readonly number[]): number => {
    const key = weights.join(',');
    let score = seen.get(key);
    if (score === undefined) {
      score = validate(createBlend(parts.map((model, k) => ({ model, weight: weights[k] }))));
      // NaN would never compare as better or worse; it counts as the worst score.
      if (Number.isNaN(score)) score = Number.NEGATIVE_INFINITY;
      seen.set(key, score);
    }
    return score;
  };
  let weights: number[] = [];
  let best = Number.NEGATIVE_INFINITY;
  parts.forEach((_, k) => {
    const alone = parts.map((__, q) => (q === k ? 1 : 0));
    const score = scoreOf(alone);
    if (weights.length === 0 || score > best) [weights, best] = [alone, score];
  });
  for (let round = 0; round < rounds; round++) {
    let moved = false;
    for (let k = 0; k < parts.length; k++) {
      for (const g of grid) {
        if (g === weights[k]) continue;
        const candidate = weights.map((w, q) => (q === k ? g : w));
        if (candidate.every((w) => w === 0)) continue;
        const score = scoreOf(candidate);
        if (score > best) {
          [weights, best] = [candidate, score];
          moved = true;
        }
      }
    }
    if (!moved) break;
  }
  return { weights, score: best };
}

const params = z
  .object({
    parts: z
      .array(
        z.object({
          model: z.string().min(1).describe('Id of a registered model.'),
          params: z.record(z.string(), z.unknown()).default({}).describe("That model's parameters."),
          weight: z.number().min(0).optional().describe('Fixed weight; when no part has one they are fitted on validation.'),
        }),
      )
      .min(1)
      .default([
        { model: 'transition', params: {} },
        { model: 'itemknn', params: {} },
      ])
      .describe('The models blended.'),
    weightGrid: z
      .array(z.number().min(0))
      .min(1)
      .default([...DEFAULT_GRID])
      .describe('Weights tried per part when fitting.'),
    rounds: z.number().int().min(1).default(3).describe('Coordinate-search passes over the parts when fitting weights.'),
  })
  .refine((p) => p.parts.every((q) => q.weight === undefined) || p.parts.every((q) => q.weight !== undefined), {
    message: 'give a weight to every part or to none (then they are fitted on validation)',
    path: ['parts'],
  });
type BlendParams = z.infer<typeof params>;

/**
 * The registry spec of the blend family. `specOf` looks up the parts' families (the registry passes its
 * own lookup, so this module does not import the registry that lists it).
 *
 * `fit` trains each part with its own params and the same options (a checkpoint path gets a per-part
 * suffix). Weights: as given when every part has one; else fitted with `fitBlendWeights` on
 * `options.validate`, which must score a validation split; else equal. The family claims no capability:
 * a blend is sequential or session only when its parts are (`BlendRecommender.capabilities`).
 */
export function defineBlendModel(specOf: (id: string) => ModelSpec): ModelSpec {
  return defineModel<BlendParams>({
    id: ID,
    artifactVersion: VERSION,
    description: 'Weighted sum of the standardised scores of several models; weights fitted on validation.',
    capabilities: [],
    params,
    searchSpace: {},
    testParams: {
      parts: [
        { model: 'pop', params: {} },
        { model: 'transition', params: {} },
      ],
    },
    async fit(train, p, options) {
      const specs = p.parts.map((part) => specOf(part.model));
      // Every part's params are checked before any part trains.
      const partParams = specs.map((spec, k) => spec.parseParams(p.parts[k].params));
      const models: Recommender[] = [];
      for (const [k, spec] of specs.entries()) models.push(await spec.fit(train, partParams[k], partOptions(options, k)));
      const weights = p.parts.every((q) => q.weight !== undefined)
        ? p.parts.map((q) => q.weight as number)
        : options.validate
          ? fitBlendWeights(models, options.validate, { grid: p.weightGrid, rounds: p.rounds }).weights
          : models.map(() => 1);
      return createBlend(
        models.map((model, k) => ({ model, weight: weights[k] })),
        specOf,
      );
    },
    restore(artifact, p) {
      return createBlend(restoreParts(artifact, p, specOf), specOf);
    },
  });
}

function partOptions(options: FitOptions, k: number): FitOptions {
  return options.checkpointPath === undefined ? options : { ...options, checkpointPath: `${options.checkpointPath}.part${k}` };
}
