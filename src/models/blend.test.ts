import { beforeAll, describe, expect, it } from 'vitest';
import { CurioError } from '../core/index.js';
import { leaveOneOut, userSequence, type Split } from '../data/index.js';
import { plantedSequences } from '../../test/support/planted.js';
import { encodeArtifact } from './artifact.js';
import { blendParts, createBlend, fitBlendWeights, type BlendRecommender } from './blend.js';
import type { Recommender, UserState } from './recommender.js';
import { blendModel, getModelSpec, restoreModel } from './registry.js';
import { orderByScore, topK } from './top-k.js';

/** NDCG@10 on the split's validation cases, history excluded (src/eval is downstream of models). */
function validationNdcg(model: Recommender, split: Split): number {
  const cases = split.validation;
  const scores = new Float32Array(model.nItems);
  const excluded = new Uint8Array(model.nItems);
  let sum = 0;
  for (let c = 0; c < cases.users.length; c++) {
    const seq = userSequence(split.full, cases.users[c], cases.historyLengths[c]);
    model.scoreAll({ user: cases.users[c], ...seq }, scores);
    excluded.fill(0);
    for (const i of seq.items) excluded[i] = 1;
    const rank = topK(scores, 10, excluded).indexOf(cases.targets[c]);
    if (rank >= 0) sum += 1 / Math.log2(rank + 2);
  }
  return sum / cases.users.length;
}

function probeStates(split: Split): UserState[] {
  return [
    ...[0, 7, 42, 99].map((u) => ({ user: u, ...userSequence(split.train, u) })),
    { items: Int32Array.from([1, 2, 3]) },
    { items: new Int32Array(0) },
  ];
}

/** A model with fixed scores, whatever the state. */
function fixedModel(scores: Float32Array, id = 'fixed'): Recommender {
  return {
    id,
    params: {},
    nItems: scores.length,
    scoreAll: (_state, out = new Float32Array(scores.length)) => {
      out.set(scores);
      return out;
    },
    toArtifact: () => ({ modelId: id, artifactVersion: 1, params: {}, nItems: scores.length, meta: {}, arrays: {} }),
  };
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof CurioError ? e.code : `not a CurioError: ${String(e)}`;
  }
  return undefined;
}

describe('blend', () => {
  const split = leaveOneOut(plantedSequences());
  let pop: Recommender;
  let transition: Recommender;
  let itemknn: Recommender;
  beforeAll(async () => {
    pop = await getModelSpec('pop').fit(split.train, {}, { seed: 1 });
    transition = await getModelSpec('transition').fit(split.train, {}, { seed: 1 });
    itemknn = await getModelSpec('itemknn').fit(split.train, {}, { seed: 1 });
  });

  it('of a model with itself, at any weights, ranks like the model', () => {
    for (const model of [pop, transition, itemknn]) {
      for (const [a, b] of [
        [1, 1],
        [0.3, 2.5],
        [4, 0],
      ]) {
        const blend = createBlend([
          { model, weight: a },
          { model, weight: b },
        ]);
        for (const state of probeStates(split)) expect(orderByScore(blend.scoreAll(state))).toEqual(orderByScore(model.scoreAll(state)));
      }
    }
  });

  it('with weight 0 on a part ranks like the other part', () => {
    const onlyTransition = createBlend([
      { model: pop, weight: 0 },
      { model: transition, weight: 0.7 },
    ]);
    const onlyPop = createBlend([
      { model: pop, weight: 2 },
      { model: transition, weight: 0 },
    ]);
    for (const state of probeStates(split)) {
      expect(orderByScore(onlyTransition.scoreAll(state))).toEqual(orderByScore(transition.scoreAll(state)));
      expect(orderByScore(onlyPop.scoreAll(state))).toEqual(orderByScore(pop.scoreAll(state)));
    }
  });

  it('round-trips through its artifact with identical scores, nested blends included', () => {
    const inner = createBlend([
      { model: pop, weight: 0.25 },
      { model: itemknn, weight: 1 },
    ]);
    const blend = createBlend(
      [
        { model: transition, weight: 1.5 },
        { model: inner, weight: 0.5 },
        { model: pop, weight: 0 },
      ],
      getModelSpec,
    );
    const loaded = restoreModel(encodeArtifact(blend.toArtifact())) as BlendRecommender;
    expect(loaded.id).toBe('blend');
    expect(loaded.parts.map((p) => [p.model.id, p.weight])).toEqual([
      ['transition', 1.5],
      ['blend', 0.5],
      ['pop', 0],
    ]);
    expect(loaded.params).toEqual(blend.params);
    expect(blendParts(loaded)?.[1].model.id).toBe('blend');
    expect(blendParts(pop)).toBeNull();
    for (const state of probeStates(split)) expect(loaded.scoreAll(state)).toEqual(blend.scoreAll(state));
  });

  it('is sequential / session only when every part is', () => {
    expect(
      createBlend(
        [
          { model: transition, weight: 1 },
          { model: itemknn, weight: 1 },
        ],
        getModelSpec,
      ).capabilities,
    ).toEqual(['sequential', 'session']);
    expect(
      createBlend(
        [
          { model: transition, weight: 1 },
          { model: pop, weight: 1 },
        ],
        getModelSpec,
      ).capabilities,
    ).toEqual(['session']);
    expect(blendModel.capabilities).toEqual([]);
  });

  it('fitBlendWeights on validation finds weights at least as good as the best part', () => {
    const parts = [pop, transition, itemknn];
    const validate = (m: Recommender): number => validationNdcg(m, split);
    const bestPart = Math.max(...parts.map(validate));
    const fitted = fitBlendWeights(parts, validate);
    expect(fitted.weights).toHaveLength(3);
    expect(fitted.score).toBeGreaterThanOrEqual(bestPart);
    // The reported score is the returned weights' own validation score.
    expect(validate(createBlend(parts.map((model, k) => ({ model, weight: fitted.weights[k] }))))).toBe(fitted.score);
    // Deterministic.
    expect(fitBlendWeights(parts, validate)).toEqual(fitted);
  });

  it('the registry spec fits the weights with options.validate, or takes the given ones', async () => {
    const validate = (m: Recommender): number => validationNdcg(m, split);
    const raw = { parts: [{ model: 'pop' }, { model: 'transition' }], weightGrid: [0, 0.5, 1, 2], rounds: 2 };
    const fitted = (await blendModel.fit(split.train, raw, { seed: 1, validate })) as BlendRecommender;
    const expected = fitBlendWeights([pop, transition], validate, { grid: [0, 0.5, 1, 2], rounds: 2 });
    expect(fitted.parts.map((p) => p.weight)).toEqual(expected.weights);
    const given = (await blendModel.fit(
      split.train,
      {
        parts: [
          { model: 'pop', weight: 0.5 },
          { model: 'transition', weight: 3 },
        ],
      },
      { seed: 1, validate },
    )) as BlendRecommender;
    expect(given.parts.map((p) => p.weight)).toEqual([0.5, 3]);
    const equal = (await blendModel.fit(
      split.train,
      { parts: [{ model: 'pop' }, { model: 'transition' }] },
      { seed: 1 },
    )) as BlendRecommender;
    expect(equal.parts.map((p) => p.weight)).toEqual([1, 1]);
  });

  it('rejects bad parts with BAD_INPUT', async () => {
    const small = fixedModel(new Float32Array(pop.nItems - 1));
    expect(
      codeOf(() =>
        createBlend([
          { model: pop, weight: 1 },
          { model: small, weight: 1 },
        ]),
      ),
    ).toBe('BAD_INPUT');
    expect(codeOf(() => createBlend([]))).toBe('BAD_INPUT');
    expect(codeOf(() => createBlend([{ model: pop, weight: -1 }]))).toBe('BAD_INPUT');
    expect(codeOf(() => createBlend([{ model: pop, weight: 0 }]))).toBe('BAD_INPUT');
    expect(codeOf(() => createBlend([{ model: pop, weight: Number.NaN }]))).toBe('BAD_INPUT');
    expect(codeOf(() => blendModel.parseParams({ parts: [{ model: 'pop', weight: 1 }, { model: 'transition' }] }))).toBe('BAD_INPUT');
    const unknown = await blendModel.fit(split.train, { parts: [{ model: 'nope' }] }, { seed: 1 }).catch((e: unknown) => e);
    expect((unknown as CurioError).code).toBe('BAD_INPUT');
  });

  it('turns non-finite part scores into no NaN: -Infinity and NaN rank last', () => {
    const n = pop.nItems;
    const wild = new Float32Array(n).map((_, j) => j % 10);
    wild[0] = Number.NEGATIVE_INFINITY;
    wild[1] = Number.NaN;
    wild[2] = Number.POSITIVE_INFINITY;
    wild[3] = -3.4e38;
    wild[4] = 3.4e38;
    const state = probeStates(split)[0];
    for (const [a, b] of [
      [1, 1],
      [0, 1],
      [1, 0],
      [1e30, 1e30],
    ]) {
      const blend = createBlend([
        { model: fixedModel(wild), weight: a },
        { model: transition, weight: b },
      ]);
      const scores = blend.scoreAll(state);
      expect(scores.some(Number.isNaN)).toBe(false);
      if (a > 0) {
        expect([scores[0], scores[1]]).toEqual([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
        expect(scores.subarray(2).every(Number.isFinite)).toBe(true);
      } else {
        expect(scores.every(Number.isFinite)).toBe(true);
      }
      if (a === 1) expect(scores[2]).toBeGreaterThan(Math.max(...scores.subarray(5)));
    }
    // Every item impossible: all -Infinity, still no NaN.
    const none = createBlend([{ model: fixedModel(new Float32Array(n).fill(Number.NaN)), weight: 1 }]);
    expect(Array.from(none.scoreAll(state)).every((s) => s === Number.NEGATIVE_INFINITY)).toBe(true);
  });

  it('a huge negative mask on items below the median leaves the other items scored as before', () => {
    // A z-score would let the masked values blow up the spread and flatten the part.
    const state = probeStates(split)[1];
    const base = transition.scoreAll(state);
    const masked = Float32Array.from(base);
    const lowest = Array.from(orderByScore(base)).slice(-10);
    for (const j of lowest) masked[j] = -1e30;
    const plain = createBlend([
      { model: fixedModel(base), weight: 1 },
      { model: pop, weight: 1 },
    ]).scoreAll(state);
    const withMask = createBlend([
      { model: fixedModel(masked), weight: 1 },
      { model: pop, weight: 1 },
    ]).scoreAll(state);
    for (let j = 0; j < base.length; j++) if (!lowest.includes(j)) expect(withMask[j]).toBe(plain[j]);
    for (const j of lowest) expect(withMask[j]).toBeLessThan(-1e20);
  });
});
