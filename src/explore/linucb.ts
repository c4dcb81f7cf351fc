import { z } from 'zod';
import { badInput, parseOrThrow } from '../core/index.js';
import type { PolicyDefinition } from './definition.js';
import { certainDistribution, certainSlots, clampWeight, distinctCandidates, slotCount, topK } from './slate-utils.js';
import type { Candidate, ChooseContext, Feedback, Policy } from './types.js';

export const MAX_LINUCB_DIMENSION = 128;

const LinUcbParams = z.object({
  alphaMax: z.number().min(0).default(1).describe('confidence width at exploreWeight 1 (α = exploreWeight × alphaMax)'),
  ridge: z.number().positive().default(1).describe('λ of the ridge prior A = λI'),
  scoreWeight: z.number().min(0).default(1).describe('weight of the model score added to θᵀx'),
});
type LinUcbParams = z.infer<typeof LinUcbParams>;

const LinUcbState = z.object({
  dimension: z
    .number()
    .int()
    .min(1)
    .max(MAX_LINUCB_DIMENSION + 1)
    .nullable(),
  aInverse: z.array(z.number()),
  b: z.array(z.number()),
});

/** Shared-θ LinUCB over x = [embedding, 1]; A⁻¹ kept directly and updated by Sherman–Morrison (O(d²)). */
class LinUcbModel {
  dimension: number | null;
  aInverse: Float64Array;
  b: Float64Array;

  constructor(
    private readonly params: LinUcbParams,
    state?: z.infer<typeof LinUcbState>,
  ) {
    this.dimension = state?.dimension ?? null;
    this.aInverse = Float64Array.from(state?.aInverse ?? []);
    this.b = Float64Array.from(state?.b ?? []);
    if (this.dimension !== null && (this.aInverse.length !== this.dimension ** 2 || this.b.length !== this.dimension)) {
      throw badInput('invalid linucb state', [{ path: 'state', message: 'A⁻¹ and b do not match the dimension' }]);
    }
  }

  /** Feature vector [embedding, 1]; fixes the dimension on first sight. */
  features(embedding: Float32Array | undefined): Float64Array | null {
    if (this.dimension === null) {
      if (!embedding) return null;
      if (embedding.length > MAX_LINUCB_DIMENSION) {
        throw badInput('embedding too large for linucb', [{ path: 'embedding', message: `d ≤ ${MAX_LINUCB_DIMENSION}` }]);
      }
      this.init(embedding.length + 1);
    }
    const d = this.dimension as number;
    const x = new Float64Array(d);
    if (embedding) {
      if (embedding.length !== d - 1) {
        throw badInput('embedding dimension mismatch', [{ path: 'embedding', message: `expected ${d - 1}, got ${embedding.length}` }]);
      }
      x.set(embedding);
    }
    x[d - 1] = 1;
    return x;
  }

  private init(d: number): void {
    this.dimension = d;
    this.aInverse = new Float64Array(d * d);
    for (let i = 0; i < d; i++) this.aInverse[i * d + i] = 1 / this.params.ridge;
    this.b = new Float64Array(d);
  }

  /** A⁻¹x. */
  private solve(x: Float64Array): Float64Array {
    const d = x.length;
    const out = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.aInverse[i * d + j] * x[j];
      out[i] = s;
    }
    return out;
  }

  /** θᵀx and √(xᵀA⁻¹x) with θ = A⁻¹b. */
  estimate(x: Float64Array): { mean: number; width: number } {
    const ax = this.solve(x);
    let mean = 0;
    let quad = 0;
    for (let i = 0; i < x.length; i++) {
      mean += ax[i] * this.b[i]; // θᵀx = bᵀA⁻¹x (A⁻¹ symmetric)
      quad += ax[i] * x[i];
    }
    return { mean, width: Math.sqrt(Math.max(0, quad)) };
  }

  update(x: Float64Array, reward: number, impression: boolean): void {
    const d = x.length;
    if (impression) {
      const ax = this.solve(x);
      let denom = 1;
      for (let i = 0; i < d; i++) denom += x[i] * ax[i];
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) this.aInverse[i * d + j] -= (ax[i] * ax[j]) / denom;
    }
    for (let i = 0; i < d; i++) this.b[i] += reward * x[i];
  }
}

function createLinUcb(params: LinUcbParams, state?: unknown): Policy {
  const saved = state === undefined || state === null ? undefined : parseOrThrow(LinUcbState, state, { what: 'state', prefix: ['state'] });
  const model = new LinUcbModel(params, saved);
  const slate = (candidates: Candidate[], context: ChooseContext): string[] => {
    const distinct = distinctCandidates(candidates);
    const alpha = clampWeight(context.exploreWeight) * params.alphaMax;
    const values = distinct.map((c) => {
      const x = model.features(c.embedding);
      if (!x) return params.scoreWeight * c.score;
      const { mean, width } = model.estimate(x);
      return params.scoreWeight * c.score + mean + alpha * width;
    });
    return topK(values, distinct, slotCount(distinct, context));
  };
  return {
    id: 'linucb',
    capabilities: { stochastic: false, learns: true, usesEmbeddings: true, usesState: false },
    choose: (candidates, context) => ({ policy: 'linucb', slots: certainSlots(slate(candidates, context)), propensityMethod: 'exact' }),
    distribution: (candidates, context) => certainDistribution(slate(candidates, context)),
    update(feedback: Feedback) {
      const x = model.features(feedback.embedding);
      if (x) model.update(x, Math.min(1, Math.max(0, feedback.reward)), feedback.impression !== false);
    },
    save: () => ({
      policy: 'linucb',
      version: 1,
      params: { ...params },
      state: { dimension: model.dimension, aInverse: Array.from(model.aInverse), b: Array.from(model.b) },
    }),
  };
}

/** LinUCB on item embeddings: deterministic given its state, so every propensity is 1. */
export const linUcbPolicy: PolicyDefinition<LinUcbParams> = {
  id: 'linucb',
  description: 'LinUCB on item embeddings plus the model score; deterministic (propensity 1)',
  capabilities: { stochastic: false, learns: true, usesEmbeddings: true, usesState: false },
  params: LinUcbParams,
  create: (params, state) => createLinUcb(params, state),
};
