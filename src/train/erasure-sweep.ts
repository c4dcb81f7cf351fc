import type { Config } from '../core/index.js';
import { ErasureReceipts, erasureSubject, type ModelVersionsReport, type PendingErasure, type TargetReport } from '../privacy/index.js';
import { modelTrack, type Job, type ModelVersion, type Store } from '../store/index.js';
import { ALL_VERSIONS, eraseUserFromModels } from './erasure.js';
import { enqueueJob } from './job-queue.js';

/** The trigger of a retrain queued to replace a serving version trained on an erased user's data. */
export const ERASURE_TRIGGER = 'erasure';

/**
 * When the data a version was trained on was read from the store (epoch ms): its job's first read
 * (`dataReadAt`), else (a job from before that was recorded) when the job was queued, which is no later;
 * a version without a job (`curio models import`) counts from when it was trained.
 */
export function dataReadAtMs(version: ModelVersion, job: Job | null): number {
  return job ? jobReadAtMs(job) : Date.parse(version.trainedAt);
}

function jobReadAtMs(job: Job): number {
  const read = job.result?.dataReadAt;
  return typeof read === 'number' ? read : Date.parse(job.createdAt);
}

/** The stored versions with an artifact whose training data was read before `atMs`: they may hold a user erased then. */
export async function versionsTrainedBefore(store: Store, atMs: number): Promise<Array<{ version: ModelVersion; job: Job | null }>> {
  const out: Array<{ version: ModelVersion; job: Job | null }> = [];
  for (const version of await store.listModelVersions({ limit: ALL_VERSIONS })) {
    if (version.sizeBytes === 0) continue; // a refused version keeps no artifact: nothing of anyone
    if (modelTrack(version.model) === 'pictures') continue; // an image encoder learns from item pictures, never from a shopper
    const job = version.jobId ? await store.getJob(version.jobId) : null;
    if (dataReadAtMs(version, job) < atMs) out.push({ version, job });
  }
  return out;
}

/** A retrain that reads the store after `atMs`, queued or running, else one queued now. Returns its id. */
async function retrainAfter(store: Store, atMs: number, nowMs: number): Promise<string> {
  const clean = (await activeJobs(store)).find((j) => j.kind === 'retrain' && !readBefore(j, atMs));
  return clean?.id ?? (await enqueueJob(store, 'retrain', ERASURE_TRIGGER, {}, nowMs)).id;
}

async function activeJobs(store: Store): Promise<Job[]> {
  return [...(await store.listJobs({ state: 'queued' })), ...(await store.listJobs({ state: 'running' }))];
}

/**
 * Whether a queued or running job read (or may have read) the store before `atMs`: its first read is
 * recorded; a queued job that has not read yet reads after; a running one from before reads were recorded
 * counts from when it was queued.
 */
function readBefore(job: Job, atMs: number): boolean {
  if (typeof job.result?.dataReadAt === 'number' || job.state === 'running') return jobReadAtMs(job) < atMs;
  return false;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Finishes what an erasure leaves in trained models. Every version whose training data was read before the
 * erasure may reflect the user, in item parameters as well: a version with a row per user that a job
 * registered after the erasure (from data it read before) loses the row; versions that do not serve are
 * deleted, except a candidate its job is still working on; the serving one is replaced by a retrain
 * (queued here, promoted past the quality gate's comparison) and deleted by a later sweep once it no
 * longer serves. Done when no such version is left; due `privacy.modelErasureHours` after the erasure.
 */
export async function settleModelErasure(
  store: Store,
  config: Config,
  erasure: PendingErasure,
  previous: TargetReport | undefined,
  nowMs: number,
): Promise<TargetReport> {
  const requestedMs = Date.parse(erasure.requestedAt);
  const deadline = iso(requestedMs + config.privacy.modelErasureHours * 3_600_000);
  const versions: ModelVersionsReport = {
    rowsRemoved: [...(previous?.versions?.rowsRemoved ?? [])],
    awaitingRetrain: [],
    deleted: [...(previous?.versions?.deleted ?? [])],
    retrainJob: previous?.versions?.retrainJob ?? null,
  };
  const tainted = await versionsTrainedBefore(store, requestedMs);
  const registeredSince = tainted.filter(({ version }) => Date.parse(version.trainedAt) >= requestedMs).map((t) => t.version);
  const matches = (id: string) => erasureSubject(id) === erasure.subject;
  for (const id of await eraseUserFromModels(store, matches, { versions: registeredSince }))
    if (!versions.rowsRemoved.includes(id)) versions.rowsRemoved.push(id);
  let servingTainted = false;
  for (const { version, job } of tainted) {
    const inProgress = version.state === 'candidate' && (job?.state === 'running' || job?.state === 'queued');
    if (version.state === 'serving') servingTainted = true;
    if (version.state === 'serving' || inProgress || !(await store.deleteModelVersion(version.id))) {
      versions.awaitingRetrain.push(version.id);
    } else {
      versions.deleted.push(version.id);
    }
  }
  // A job still training on data it read before the erasure will register a version that needs the same.
  const training = (await activeJobs(store)).filter((j) => readBefore(j, requestedMs));
  if (versions.awaitingRetrain.length === 0 && training.length === 0) {
    return {
      state: 'done',
      at: iso(nowMs),
      removed: versions.deleted.length,
      detail: 'no stored model version was trained on data that held the user',
      versions,
    };
  }
  if (servingTainted) versions.retrainJob = await retrainAfter(store, requestedMs, nowMs);
  return {
    state: 'pending',
    at: null,
    deadline,
    removed: versions.deleted.length,
    detail: servingTainted
      ? `the serving version was trained on data that held the user: retrain ${versions.retrainJob} replaces it, then it is deleted`
      : `a training job that read the data before the erasure (${[...training.map((j) => j.id)].join(', ')}) is still running: its version is deleted or replaced once it ends`,
    versions,
  };
}

/**
 * One pass over the erasures still pending (the trainer's scheduler runs it): finishes their models,
 * takes finished ones off the list, and says which are past their deadline.
 */
export async function sweepErasures(store: Store, config: Config, log: (line: string) => void, nowMs = Date.now()): Promise<void> {
  const receipts = new ErasureReceipts(store, () => nowMs);
  for (const erasure of await receipts.pending()) {
    const receipt = await receipts.get(erasure.id);
    const models = receipt?.targets.models;
    if (models && (models.state === 'pending' || models.state === 'failed')) {
      let report: TargetReport;
      try {
        report = await settleModelErasure(store, config, erasure, models, nowMs);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report = { ...models, state: 'failed', detail: `retried at the next sweep: ${message}` };
      }
      await receipts.report(erasure.id, 'models', report);
      if (report.state === 'done') log(`erasure ${erasure.id}: no model version trained on the erased user is left`);
    } else {
      await receipts.settle(erasure.id);
    }
    if (receipt?.overdue) log(`erasure ${erasure.id} is past its deadline: ${JSON.stringify(pendingTargets(receipt.targets))}`);
  }
}

function pendingTargets(targets: Record<string, TargetReport | undefined>): string[] {
  return Object.entries(targets)
    .filter(([, r]) => r?.state === 'pending' || r?.state === 'failed')
    .map(([name]) => name);
}
