import type { Config } from '../core/index.js';
import { datasetFromStore, filterEvents, type SequenceDataset } from '../data/index.js';
import { evaluate } from '../eval/index.js';
import { blendParts, type Recommender } from '../models/index.js';
import { computeServingLists } from '../recommend/index.js';
import type { Job, ModelVersion, Store } from '../store/index.js';
import { blendCandidates, fitForGate, refitOnAll, trainCandidates, type CandidateSpec, type TrainedCandidate } from './candidates.js';
import { loopSplit } from './holdout.js';
import { ERASURE_TRIGGER } from './erasure-sweep.js';
import { reindexModel } from './reindex.js';
import { loadVersion, registerVersion, trainingWindow, type LoadedVersion } from './versions.js';

/** Where a running job reports; the job's process writes it to the job's record. */
export interface JobReporter {
  progress(fraction: number, step: string): void;
  log(line: string): void;
  /** Persists values the job must find again when it is resumed after a restart. */
  remember(values: Record<string, unknown>): Promise<void>;
}

export interface RunJobOptions {
  store: Store;
  config: Config;
  job: Job;
  reporter: JobReporter;
  /** Where fits checkpoint (resumed by a restarted job); null = no checkpoints. */
  checkpoint: ((name: string) => string) | null;
}

/** What a job did: the job record's `result`. */
export interface JobOutcome extends Record<string, unknown> {
  decision: 'promoted' | 'rejected' | 'skipped';
  reason: string;
  versionId: string | null;
  chosen: string | null;
  metrics: Record<string, number>;
}

/** Events fewer than this since the serving version are not a holdout of their own (see loopSplit). */
const MIN_HOLDOUT_EVENTS = 200;
const GATE_METRICS = ['hr@10', 'ndcg@10'];

/**
 * One training job, start to end: read the events (a window frozen at the first attempt, so a resumed
 * job sees the same data), cut validation and holdout in time, train the candidates on the rest, choose
 * on validation (a blend too), compare with the serving version on the holdout (the gate), and when the
 * candidate passes, train it again on every event with the chosen epochs, verify and promote it.
 */
export async function runTrainingJob(o: RunJobOptions): Promise<JobOutcome> {
  const { store, config, job, reporter } = o;
  const training = config.training;
  const servingVersion = await store.servingModelVersion();
  const serving = servingVersion ? await loadServing(store, servingVersion, reporter) : null;

  const ds = await readWindow(store, job, reporter);
  const servingLast = servingVersion?.window.lastEventAt ? Date.parse(servingVersion.window.lastEventAt) : null;
  const cut = loopSplit(ds, {
    servingLastEventMs: servingLast,
    holdoutFraction: training.holdoutFraction,
    validationFraction: training.validationFraction,
    minHoldoutEvents: MIN_HOLDOUT_EVENTS,
    stateLength: config.serving.historyLength,
  });
  const { split } = cut;
  reporter.log(
    `data: ${ds.itemIdx.length} events, ${ds.offsets.length - 1} users, ${ds.items.length} items; validation from ${iso(cut.validationFrom)} ` +
      `(${split.validation.users.length} users), holdout from ${iso(cut.holdoutFrom)} (${split.test.users.length} users, ${cut.basis})`,
  );
  // A retrain for an erasure must replace the serving version (it was trained on the erased user's data).
  const replacing = job.trigger === ERASURE_TRIGGER;
  if (serving && split.test.users.length === 0 && !replacing) {
    return skipped('no holdout users: nothing new to compare the versions on', servingVersion);
  }

  const specs = candidateSpecs(job, training, serving, reporter);
  for (const spec of specs) {
    if (spec.warmStart)
      reporter.log(
        `${spec.model}: warm start from ${serving?.version.id}, ${spec.params.epochs} epochs over the users active since ${iso(spec.activeSince ?? NaN)}`,
      );
  }
  const common = { training, eventWeights: config.events.weights, checkpoint: o.checkpoint ?? undefined };
  const trained = await trainCandidates(specs, split, {
    ...common,
    progress: (k, f, step) => reporter.progress((0.45 * (k + f)) / specs.length, step),
    log: (line) => reporter.log(line),
  });
  const blend = training.blend ? blendCandidates(trained, split, training) : null;
  if (blend) reporter.log(`blend ${describe(blend)}: validation ${training.metric} ${blend.validation.toFixed(4)}`);
  const chosen = [...trained, ...(blend ? [blend] : [])].reduce((a, b) => (b.validation > a.validation ? b : a));

  // With nothing serving there is nothing to be fair to: the training-slice fit gives the holdout figures.
  const gateModel = serving
    ? await fitForGate(
        chosen,
        filterEvents(ds, (u, pos) => ds.timestampsMs[ds.offsets[u] + pos] < cut.holdoutFrom, { keepEmptyUsers: true }),
        { ...common, progress: (f, step) => reporter.progress(0.45 + 0.25 * f, step) },
      )
    : chosen.model;
  reporter.progress(0.7, 'gate: scoring the candidate and the serving version on the holdout');
  const gate = gateFigures(gateModel, serving, ds, split, training);
  const metrics = { ...gate.metrics, [`validation:${training.metric}`]: chosen.validation };
  reporter.log(`gate: ${gate.summary}`);
  if (!gate.pass && replacing) {
    // Verification still applies (a model that would be refused at load never serves); the comparison does not.
    reporter.log('the gate would refuse it, but this retrain replaces a version trained on an erased user: it is promoted anyway');
    gate.pass = true;
  }
  const window = trainingWindow(ds);
  const base = { window, parentId: serving?.version.id ?? null, jobId: job.id, metrics };
  if (!gate.pass) {
    const rejected = await registerVersion(store, {
      ...base,
      served: { model: gateModel, itemIds: ds.items, userIds: ds.users },
      trainSeconds: chosen.seconds,
      state: 'rejected',
      reason: gate.summary,
    });
    return { decision: 'rejected', reason: gate.summary, versionId: rejected.id, chosen: describe(chosen), metrics };
  }

  const started = performance.now();
  const final = await refitOnAll(chosen, ds, { ...common, progress: (f, step) => reporter.progress(0.72 + 0.23 * f, step) });
  reporter.progress(0.95, 'co-visitation, popularity and trends for serving');
  const lists = computeServingLists(
    ds,
    config.events.weights,
    config.serving.trendingHalfLifeHours * 3_600_000,
    config.privacy.minGroupSize,
  );
  const version = await registerVersion(store, {
    ...base,
    served: { model: final, itemIds: ds.items, userIds: ds.users, lists },
    trainSeconds: chosen.seconds + (performance.now() - started) / 1000,
    state: 'candidate',
  });
  if (version.state === 'rejected') {
    return { decision: 'rejected', reason: version.reason ?? 'refused', versionId: version.id, chosen: describe(chosen), metrics };
  }
  await store.promoteModelVersion(version.id, `replaced by ${version.id}`);
  reporter.log(`promoted ${version.id} (${describe(chosen)})`);
  return { decision: 'promoted', reason: gate.summary, versionId: version.id, chosen: describe(chosen), metrics };
}

async function loadServing(store: Store, version: ModelVersion, reporter: JobReporter): Promise<LoadedVersion | null> {
  try {
    return await loadVersion(store, version);
  } catch (error) {
    reporter.log(
      `the serving version ${version.id} cannot be loaded (${error instanceof Error ? error.message : String(error)}); the gate compares with nothing`,
    );
    return null;
  }
}

/**
 * The store's events up to the job's frozen window end (fixed at its first attempt). When the first attempt
 * began reading is remembered too (`dataReadAt`): a user erased after it may be in what this job trains
 * (its checkpoints included), so the erasure sweep treats its versions as trained on them.
 */
async function readWindow(store: Store, job: Job, reporter: JobReporter): Promise<SequenceDataset> {
  const frozen = typeof job.result?.dataUntilMs === 'number' ? job.result.dataUntilMs : null;
  const readAt = Date.now();
  const ds = await datasetFromStore(store, { withCategories: true, ...(frozen !== null ? { to: frozen + 1 } : {}) });
  if (frozen === null) {
    let last = 0;
    for (const t of ds.timestampsMs) if (t > last) last = t;
    await reporter.remember({ dataUntilMs: last, dataReadAt: readAt });
  }
  return ds;
}

/**
 * A retrain trains every configured candidate from scratch. An incremental update keeps the serving
 * version's make-up and warm-starts its sequential part from it for a few epochs; its other parts are
 * cheap counts and are fitted again.
 */
function candidateSpecs(job: Job, training: Config['training'], serving: LoadedVersion | null, reporter: JobReporter): CandidateSpec[] {
  const configured = training.candidates.map((c) => ({ model: c.model, params: c.params }));
  if (job.kind !== 'incremental') return configured;
  if (!serving) {
    reporter.log('incremental update without a serving version: training every candidate instead');
    return configured;
  }
  const parts = blendParts(serving.model) ?? [{ model: serving.model, weight: 1 }];
  return parts.map(({ model }) => {
    const params = configured.find((c) => c.model === model.id)?.params ?? {};
    if (model.id !== 'curio-seq') return { model: model.id, params };
    const since = serving.version.window.lastEventAt ? Date.parse(serving.version.window.lastEventAt) + 1 : undefined;
    return {
      model: model.id,
      params: { ...model.params, epochs: training.incrementalEpochs },
      warmStart: { model, itemIds: serving.itemIds },
      activeSince: since,
    };
  });
}

interface Gate {
  pass: boolean;
  summary: string;
  metrics: Record<string, number>;
}

/** The candidate and the serving version on the same holdout users; the candidate passes unless worse by more than the tolerance. */
function gateFigures(
  candidate: Recommender,
  serving: LoadedVersion | null,
  ds: SequenceDataset,
  split: ReturnType<typeof loopSplit>['split'],
  training: Config['training'],
): Gate {
  const options = { metrics: GATE_METRICS, maxCases: training.evalUsers > 0 ? training.evalUsers : undefined, seed: training.seed };
  const metric = training.metric;
  const cand = evaluate(candidate, split, 'test', options);
  const metrics: Record<string, number> = { holdoutUsers: cand.cases };
  for (const m of GATE_METRICS) metrics[`holdout:${m}`] = cand.metrics[m];
  if (!serving)
    return { pass: true, summary: `no version serves; candidate ${metric} ${fmt(cand.metrics[metric])} on the holdout`, metrics };
  const base = evaluate(reindexModel(serving.model, serving.itemIds, ds.items), split, 'test', options);
  for (const m of GATE_METRICS) metrics[`serving:${m}`] = base.metrics[m];
  const floor = base.metrics[metric] * (1 - training.tolerance);
  const pass = cand.metrics[metric] >= floor;
  const summary = `holdout ${metric}: candidate ${fmt(cand.metrics[metric])}, serving ${serving.version.id} ${fmt(base.metrics[metric])} (${cand.cases} users, tolerance ${training.tolerance * 100}%)`;
  return { pass, summary: pass ? summary : `worse than the serving version: ${summary}`, metrics };
}

function skipped(reason: string, serving: ModelVersion | null): JobOutcome {
  return { decision: 'skipped', reason, versionId: serving?.id ?? null, chosen: null, metrics: {} };
}

function describe(c: TrainedCandidate): string {
  return c.parts ? `blend(${c.parts.map((p) => `${p.candidate.spec.model}×${p.weight.toFixed(2)}`).join(' + ')})` : c.spec.model;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : String(x));
const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
