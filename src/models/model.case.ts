import { describe, expect, it } from 'vitest';
import { createRng, CurioError, EVENT_TYPES, type EventWeights } from '../core/index.js';
import { leaveOneOut, userSequence, type Split } from '../data/index.js';
import { encodeArtifact } from './artifact.js';
import { plantedSequences } from '../../test/support/planted.js';
import type { ModelSpec, Recommender, UserState } from './recommender.js';
import { restoreModel } from './registry.js';
import { topK } from './top-k.js';

function hitRateAt10(model: Recommender, split: Split): number {
  let hits = 0;
  const scores = new Float32Array(model.nItems);
  for (let c = 0; c < split.test.users.length; c++) {
    const u = split.test.users[c];
    const seq = userSequence(split.full, u, split.test.historyLengths[c]);
    model.scoreAll({ user: u, ...seq }, scores);
    const excluded = new Uint8Array(model.nItems);
    for (const i of seq.items) excluded[i] = 1;
    if (topK(scores, 10, excluded).includes(split.test.targets[c])) hits++;
  }
  return hits / split.test.users.length;
}

/**
 * For `repeat` families, which only bring a known user's past back: each training user shows their newest two
 * items, and the newest earlier item outside them is the target (a revisit, which the papers' protocol above
 * would remove from the candidates).
 */
function revisitHitRateAt10(model: Recommender, split: Split): number {
  let hits = 0;
  let cases = 0;
  const scores = new Float32Array(model.nItems);
  for (let u = 0; u < split.train.users.length; u++) {
    const seq = userSequence(split.train, u);
    const state = seq.items.subarray(seq.items.length - 2);
    const target = Array.from(seq.items.subarray(0, seq.items.length - 2))
      .reverse()
      .find((i) => !state.includes(i));
    if (target === undefined) continue;
    model.scoreAll({ user: u, items: state }, scores);
    const excluded = new Uint8Array(model.nItems);
    for (const i of state) excluded[i] = 1;
    cases++;
    if (topK(scores, 10, excluded).includes(target)) hits++;
  }
  return hits / cases;
}

function randomModel(nItems: number, seed: number): Recommender {
  const rng = createRng(seed);
  return {
    id: 'random',
    params: {},
    nItems,
    scoreAll: (_s, out = new Float32Array(nItems)) => {
      for (let j = 0; j < nItems; j++) out[j] = rng.next();
      return out;
    },
    toArtifact: () => ({ modelId: 'random', artifactVersion: 1, params: {}, nItems, meta: {}, arrays: {} }),
  };
}

function probeStates(split: Split): UserState[] {
  return [0, 7, 42].map((u) => ({ user: u, ...userSequence(split.train, u) }));
}

/** The shared conformance suite: every registered model runs it. */
export function modelCase(spec: ModelSpec): void {
  describe(`model ${spec.id}`, () => {
    const split = leaveOneOut(plantedSequences());
    // Each model's own small, fast settings (ModelSpec.testParams).
    const params = spec.testParams;

    const repeat = spec.capabilities.includes('repeat');
    it(`${repeat ? "brings a user's earlier items back" : 'learns the planted pattern'}: HR@10 clearly beats random`, async () => {
      const model = await spec.fit(split.train, params, { seed: 3 });
      const hitRate = repeat ? revisitHitRateAt10 : hitRateAt10;
      const random = hitRate(randomModel(model.nItems, 5), split);
      expect(hitRate(model, split)).toBeGreaterThan(Math.max(1.5 * random, random + 0.1));
    });

    it('save → load gives identical scores', async () => {
      const model = await spec.fit(split.train, params, { seed: 3 });
      const loaded = restoreModel(encodeArtifact(model.toArtifact()));
      expect(loaded.id).toBe(spec.id);
      for (const state of probeStates(split)) expect(loaded.scoreAll(state)).toEqual(model.scoreAll(state));
    });

    it('is reproducible from its seed', async () => {
      const a = await spec.fit(split.train, params, { seed: 11 });
      const b = await spec.fit(split.train, params, { seed: 11 });
      for (const state of probeStates(split)) expect(b.scoreAll(state)).toEqual(a.scoreAll(state));
    });

    it('scores an anonymous state (no user index) with finite numbers', async () => {
      const model = await spec.fit(split.train, params, { seed: 3 });
      const scores = model.scoreAll({ items: Int32Array.from([1, 2, 3]) });
      expect(scores.length).toBe(model.nItems);
      expect(scores.every(Number.isFinite)).toBe(true);
    });

    it('turns NaN during fit into a MODEL_FIT error, not a model', async () => {
      const poisoned = Object.fromEntries(EVENT_TYPES.map((t) => [t, Number.NaN])) as unknown as EventWeights;
      const failure = await spec.fit(split.train, params, { seed: 3, eventWeights: poisoned }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CurioError);
      expect((failure as CurioError).code).toBe('MODEL_FIT');
    });

    it('rejects invalid parameters with BAD_INPUT', () => {
      const failure = (() => {
        try {
          spec.parseParams(42);
        } catch (e) {
          return e;
        }
      })();
      expect(failure).toBeInstanceOf(CurioError);
      expect((failure as CurioError).code).toBe('BAD_INPUT');
    });
  });
}
