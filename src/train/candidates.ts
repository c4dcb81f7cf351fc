import type { Config, EventWeights } from '../core/index.js';
import { filterEvents, userCount, type SequenceDataset, type Split } from '../data/index.js';
import { evaluate } from '../eval/index.js';
import { createBlend, fitBlendWeights, getModelSpec, type FitOptions, type Recommender } from '../models/index.js';

/** A model family and its params, as `training.candidates` lists them. */
export interface CandidateSpec {
  model: string;
  params: Record<string, unknown>;
  /** Initialise from this trained model (an incremental update) instead of from scratch. */
  warmStart?: FitOptions['warmStart'];
  /**
   * Train only on the sequences of users with an event from this time on (ms): an incremental update
   * goes over the events since the serving version, each with its user's history as context.
   */
  activeSince?: number;
}

/** A candidate trained on the job's training slice, with what it takes to train it again on everything. */
export interface TrainedCandidate {
  spec: CandidateSpec;
  model: Recommender;
  /** The validation metric (the job's `training.metric`). */
  validation: number;
  /** Epochs to train on all events (the best epoch on validation), for epoch models. */
  epochs: number | null;
  seconds: number;
  /** Blend parts (a blend's refit trains each with its own epochs and keeps the weights). */
  parts?: { candidate: TrainedCandidate; weight: number }[];
}

export interface TrainCandidatesOptions {
  training: Config['training'];
  eventWeights: EventWeights;
  /** Where a fit of this name (`<phase>-<model>`) checkpoints, so a restarted job resumes it. */
  checkpoint?: (name: string) => string | undefined;
  /** Progress within the candidate being trained (0..1) and a line of what it does. */
  progress: (index: number, fraction: number, step: string) => void;
  log: (line: string) => void;
}

/** Validation figures on the job's validation slice, on at most `training.evalUsers` users. */
export function validationScore(model: Recommender, split: Split, training: Config['training']): number {
  const maxCases = training.evalUsers > 0 ? training.evalUsers : undefined;
  const value = evaluate(model, split, 'validation', { metrics: [training.metric], maxCases, seed: training.seed }).metrics[
    training.metric
  ];
  return Number.isFinite(value) ? value : 0;
}

/** Trains every candidate on the training slice, early-stopping epoch models on validation. */
export async function trainCandidates(
  specs: readonly CandidateSpec[],
  split: Split,
  o: TrainCandidatesOptions,
): Promise<TrainedCandidate[]> {
  const trained: TrainedCandidate[] = [];
  const hasValidation = split.validation.users.length > 0;
  for (const [index, spec] of specs.entries()) {
    const started = performance.now();
    let bestEpoch: number | null = null;
    let best = Number.NEGATIVE_INFINITY;
    const fitSpec = getModelSpec(spec.model);
    const model = await fitSpec.fit(focus(split.train, split.full, spec.activeSince), spec.params, {
      seed: o.training.seed,
      eventWeights: o.eventWeights,
      maxTrainSeconds: o.training.maxTrainMinutes * 60,
      checkpointPath: o.checkpoint?.(`train-${spec.model}`),
      ...(spec.warmStart ? { warmStart: spec.warmStart } : {}),
      ...(hasValidation ? { validate: (m: Recommender) => validationScore(m, split, o.training) } : {}),
      onProgress: (r) => {
        if (r.validation !== undefined && r.validation > best) {
          best = r.validation;
          bestEpoch = r.epoch + 1;
        }
        o.progress(index, r.epoch / r.epochs, `${spec.model}: epoch ${r.epoch + 1}/${r.epochs}, loss ${r.loss.toFixed(4)}`);
      },
      onBatch: (r) => o.progress(index, (r.epoch + r.batch / r.batches) / r.epochs, `${spec.model}: epoch ${r.epoch + 1}/${r.epochs}`),
    });
    const seconds = (performance.now() - started) / 1000;
    const validation = hasValidation ? validationScore(model, split, o.training) : 0;
    o.log(`${spec.model}: validation ${o.training.metric} ${validation.toFixed(4)} (${seconds.toFixed(1)} s)`);
    trained.push({ spec, model, validation, epochs: bestEpoch, seconds });
  }
  return trained;
}

/** The blend of every candidate with weights fitted on validation, or null when it is not better than the best part. */
export function blendCandidates(trained: readonly TrainedCandidate[], split: Split, training: Config['training']): TrainedCandidate | null {
  if (trained.length < 2 || split.validation.users.length === 0) return null;
  const started = performance.now();
  const { weights, score } = fitBlendWeights(
    trained.map((t) => t.model),
    (m) => validationScore(m, split, training),
  );
  const best = Math.max(...trained.map((t) => t.validation));
  const used = trained.map((candidate, k) => ({ candidate, weight: weights[k] })).filter((p) => p.weight > 0);
  if (!(score > best) || used.length < 2) return null;
  return {
    spec: { model: 'blend', params: { parts: used.map((p) => ({ model: p.candidate.spec.model, weight: p.weight })) } },
    model: createBlend(used.map((p) => ({ model: p.candidate.model, weight: p.weight }))),
    validation: score,
    epochs: null,
    seconds: (performance.now() - started) / 1000 + used.reduce((s, p) => s + p.candidate.seconds, 0),
    parts: used,
  };
}

type Progress = (fraction: number, step: string) => void;
/** What a second fit of a chosen candidate needs: the job's settings and where its progress goes. */
type RefitOptions = Omit<TrainCandidatesOptions, 'progress' | 'log'> & { progress: Progress };

/** Trains the chosen candidate again, on every event, with the epochs validation chose (the model that serves). */
export function refitOnAll(chosen: TrainedCandidate, full: SequenceDataset, o: RefitOptions): Promise<Recommender> {
  return refitParts(chosen, (c, progress) => refit(c, full, 'all', { ...o, progress }), o.progress);
}

/**
 * The chosen candidate as the gate should see it: trained the way `refitOnAll` will train it, on every
 * event before the holdout, as the serving version was. A candidate left at its training-slice fit would
 * not know what the validation slice holds, while the serving version does: in a shop that launches new
 * items, those are the newest and most shown ones, and every candidate lost to the version it should
 * replace (bench:loop with new arrivals rejected all of them). An incremental update's warm-started part
 * keeps its fit (it already starts from everything the serving version learnt).
 */
export function fitForGate(chosen: TrainedCandidate, beforeHoldout: SequenceDataset, o: RefitOptions): Promise<Recommender> {
  return refitParts(
    chosen,
    (c, progress) => (c.spec.warmStart ? Promise.resolve(c.model) : refit(c, beforeHoldout, 'gate', { ...o, progress })),
    o.progress,
  );
}

/** Fits each part of a blend (or the single model) with `fit`, reporting progress over the parts. */
async function refitParts(
  chosen: TrainedCandidate,
  fit: (c: TrainedCandidate, progress: Progress) => Promise<Recommender>,
  progress: Progress,
): Promise<Recommender> {
  if (!chosen.parts) return fit(chosen, progress);
  const parts: { model: Recommender; weight: number }[] = [];
  const n = chosen.parts.length;
  for (const [k, part] of chosen.parts.entries()) {
    parts.push({ model: await fit(part.candidate, (f, step) => progress((k + f) / n, step)), weight: part.weight });
  }
  return createBlend(parts);
}

/** One model trained again on `data` with the epochs validation chose; `phase` names its checkpoint and progress. */
function refit(chosen: TrainedCandidate, data: SequenceDataset, phase: 'all' | 'gate', o: RefitOptions): Promise<Recommender> {
  const { spec, epochs } = chosen;
  const params = epochs !== null ? { ...spec.params, epochs } : spec.params;
  const what = phase === 'all' ? 'on all events' : 'before the holdout';
  return getModelSpec(spec.model).fit(focus(data, data, spec.activeSince), params, {
    seed: o.training.seed,
    eventWeights: o.eventWeights,
    maxTrainSeconds: o.training.maxTrainMinutes * 60,
    checkpointPath: o.checkpoint?.(`${phase}-${spec.model}`),
    ...(spec.warmStart ? { warmStart: spec.warmStart } : {}),
    onBatch: (r) => o.progress((r.epoch + r.batch / r.batches) / r.epochs, `${spec.model} ${what}: epoch ${r.epoch + 1}/${r.epochs}`),
  });
}

/**
 * The sequences of `ds` whose users (judged on `full`, which still holds the newest events) have an event
 * from `since` on; every user row is kept, so indexes stay those of `full`. All of `ds` when none has.
 */
function focus(ds: SequenceDataset, full: SequenceDataset, since: number | undefined): SequenceDataset {
  if (since === undefined) return ds;
  const active = new Uint8Array(userCount(full));
  let any = false;
  for (let u = 0; u < active.length; u++) {
    for (let e = full.offsets[u]; e < full.offsets[u + 1]; e++) {
      if (full.timestampsMs[e] >= since) {
        active[u] = 1;
        any = true;
        break;
      }
    }
  }
  if (!any) return ds;
  const focused = filterEvents(ds, (u) => active[u] === 1, { keepEmptyUsers: true });
  return focused.itemIdx.length > 0 ? focused : ds;
}
