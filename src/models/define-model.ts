import type { z } from 'zod';
import { CurioError, parseOrThrow } from '../core/index.js';
import type { SequenceDataset } from '../data/index.js';
import { assertFiniteArtifact, type ModelArtifact } from './artifact.js';
import type { Capability, FitOptions, ModelSpec, Recommender, SearchSpace } from './recommender.js';

export interface ModelDefinition<P extends Record<string, unknown>> {
  id: string;
  artifactVersion: number;
  description: string;
  capabilities: readonly Capability[];
  params: z.ZodType<P>;
  searchSpace?: SearchSpace;
  /** Small params for the shared test suite (model.case.ts); omit when the defaults already train fast. */
  testParams?: Partial<P>;
  fit(train: SequenceDataset, params: P, options: FitOptions): Recommender | Promise<Recommender>;
  restore(artifact: ModelArtifact, params: P): Recommender;
  /** For families that keep something per training user: empties user `row` in the artifact (see ModelSpec). */
  clearUserRow?(artifact: ModelArtifact, row: number): boolean;
}

/**
 * Turns a typed model definition into a registry spec: params are validated at the edge, every fitted
 * model is checked for NaN / Infinity (MODEL_FIT), and artifacts are matched on id and version.
 */
export function defineModel<P extends Record<string, unknown>>(def: ModelDefinition<P>): ModelSpec {
  const parse = (raw: unknown): P => parseOrThrow(def.params, raw ?? {}, { what: `parameters for model ${def.id}`, prefix: [def.id] });
  return {
    id: def.id,
    artifactVersion: def.artifactVersion,
    description: def.description,
    capabilities: def.capabilities,
    paramsSchema: def.params as z.ZodType<Record<string, unknown>>,
    searchSpace: def.searchSpace ?? {},
    testParams: def.testParams ?? {},
    parseParams: parse,
    async fit(train, raw, options) {
      // Training from scratch when a warm start was asked for would pass silently for an update.
      if (options.warmStart && !def.capabilities.includes('warm-start')) {
        throw new CurioError('BAD_INPUT', `model ${def.id} cannot start from a trained model (no warm-start capability)`);
      }
      const model = await def.fit(train, parse(raw), options);
      assertFiniteArtifact(model.toArtifact());
      return model;
    },
    restore(artifact) {
      if (artifact.modelId !== def.id || artifact.artifactVersion !== def.artifactVersion) {
        throw new CurioError(
          'BAD_INPUT',
          `artifact is ${artifact.modelId} v${artifact.artifactVersion}; this build reads ${def.id} v${def.artifactVersion}`,
        );
      }
      return def.restore(artifact, parse(artifact.params));
    },
    ...(def.clearUserRow ? { clearUserRow: def.clearUserRow } : {}),
  };
}

/** Throws MODEL_FIT when an epoch's loss is not finite (divergence caught as it happens). */
export function assertFiniteLoss(modelId: string, epoch: number, loss: number): void {
  if (!Number.isFinite(loss)) {
    throw new CurioError('MODEL_FIT', `${modelId}: loss became ${loss} in epoch ${epoch + 1}; lower the learning rate`);
  }
}

/** Reads a required array from an artifact, checking its type and length. */
export function artifactArray<T extends Float32Array | Float64Array | Int32Array>(
  artifact: ModelArtifact,
  name: string,
  ctor: new (n: number) => T,
  length?: number,
): T {
  const a = artifact.arrays[name];
  if (!(a instanceof ctor) || (length !== undefined && a.length !== length)) {
    throw new CurioError('BAD_INPUT', `artifact of ${artifact.modelId} lacks a valid array "${name}"`);
  }
  return a as T;
}
