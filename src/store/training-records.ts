/**
 * What the learning loop keeps in the store: model versions (with their artifacts) and training jobs.
 * Both are plain records here; the rules about them (the quality gate, who may promote what, when a job
 * is due) live in `src/train`.
 */

/**
 * A version's life: trained and waiting (`candidate`), the one being served (`serving`, at most one per track),
 * served before and replaced (`retired`), or refused by the gate or at load (`rejected`, with the reason).
 */
export const MODEL_STATES = ['candidate', 'serving', 'retired', 'rejected'] as const;
export type ModelState = (typeof MODEL_STATES)[number];

/**
 * What a version serves: recommendations (the sequential model, a blend, a classic model), or the
 * pictures' embeddings (the image encoder). Each track has its own serving version, promoted, gated and
 * rolled back on its own: a new encoder never retires the recommender.
 */
export const MODEL_TRACKS = ['recommendations', 'pictures'] as const;
export type ModelTrack = (typeof MODEL_TRACKS)[number];

/** The model family of image encoders (src/pictures): its versions fill the `pictures` track. */
export const IMAGE_ENCODER_MODEL = 'image-cnn';

/** A version's track follows from its model family, so a record cannot claim the wrong one. */
export function modelTrack(model: string): ModelTrack {
  return model === IMAGE_ENCODER_MODEL ? 'pictures' : 'recommendations';
}

/** The events a version was trained on. */
export interface TrainingWindow {
  events: number;
  users: number;
  items: number;
  /** The newest event it saw (ISO time), null when the events had no times. */
  lastEventAt: string | null;
}

/** One trained model: the registry's row. Its artifact is stored beside it and verified by `checksum`. */
export interface ModelVersion {
  /** Time-ordered id (`mv-<uuidv7>`). */
  id: string;
  /** The model family (a models registry id such as `curio-seq` or `blend`). */
  model: string;
  params: Record<string, unknown>;
  window: TrainingWindow;
  /** ISO time the training finished. */
  trainedAt: string;
  trainSeconds: number;
  /** The version it was warm-started from or replaces, if any. */
  parentId: string | null;
  /** The job that trained it, if any (`curio models import` has none). */
  jobId: string | null;
  /** Holdout figures, e.g. `ndcg@10`, and the gate's comparison, e.g. `serving:ndcg@10`. */
  metrics: Record<string, number>;
  /** sha256 of the artifact bytes, hex. */
  checksum: string;
  sizeBytes: number;
  state: ModelState;
  /** Why it was rejected or retired; null otherwise. */
  reason: string | null;
  /** When it last became the serving version (ISO), null if it never served. */
  promotedAt: string | null;
}

/** A retrain or an incremental update of the recommender, or a `pictures` job that trains the image encoder. */
export const JOB_KINDS = ['retrain', 'incremental', 'pictures'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** A job is `queued` until a worker claims it; `running` until it ends in one of the other three. */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobProgress {
  /** 0..1 of the whole job. */
  fraction: number;
  /** What it is doing now, e.g. "training curio-seq: epoch 3/20". */
  step: string;
}

export interface Job {
  /** Time-ordered id (`job-<uuidv7>`). */
  id: string;
  kind: JobKind;
  /** What started it: `schedule`, `new-events`, `staleness`, `api`, `cli`. */
  trigger: string;
  /** The job's inputs (e.g. the candidate models), JSON-safe. */
  params: Record<string, unknown>;
  state: JobState;
  progress: JobProgress;
  /** ISO times. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The worker that holds it while running, and when it last said it was alive (ISO). */
  worker: string | null;
  heartbeatAt: string | null;
  /** Times it was started; more than 1 after a restart resumed it. */
  attempts: number;
  cancelRequested: boolean;
  /** The newest log lines, oldest first (bounded). */
  log: string[];
  /** What it produced (e.g. version ids and the gate's decision), JSON-safe. */
  result: Record<string, unknown> | null;
  error: string | null;
}

/** The fields of a job its worker changes as it runs. */
export type JobUpdate = Partial<
  Pick<Job, 'state' | 'progress' | 'startedAt' | 'finishedAt' | 'heartbeatAt' | 'result' | 'error' | 'cancelRequested'>
> & {
  /** Lines appended to the job's log (the store keeps the newest 200). */
  appendLog?: string[];
};

export interface ModelVersionQuery {
  state?: ModelState;
  track?: ModelTrack;
  limit?: number;
}

/** The store's part of the learning loop. */
export interface TrainingRecords {
  /**
   * Stores a version and its artifact bytes together (one transaction); `sizeBytes` is recorded as the
   * artifact's length. CONFLICT when the id is taken (or it says `serving` while another version serves its track).
   */
  addModelVersion(version: ModelVersion, artifact: Buffer): Promise<void>;
  getModelVersion(id: string): Promise<ModelVersion | null>;
  /** Newest stored first; at most `limit` (default 100); of one track when `track` is given. */
  listModelVersions(query?: ModelVersionQuery): Promise<ModelVersion[]>;
  /** The artifact bytes exactly as stored (the caller verifies the checksum), or null. */
  modelArtifact(id: string): Promise<Buffer | null>;
  /** The version serving `track` (default recommendations), or null. A cheap read: serving processes poll it. */
  servingModelVersion(track?: ModelTrack): Promise<ModelVersion | null>;
  /**
   * Makes `id` the serving version of its track in one transaction: the one serving that track before becomes `retired` with
   * `reason`. Returns the previous serving id; promoting the serving version changes nothing and returns
   * null. NOT_FOUND for an unknown id; CONFLICT for a rejected one.
   */
  promoteModelVersion(id: string, reason: string): Promise<{ previous: string | null }>;
  /** Marks a version `rejected` or `retired` with a reason (a serving version is left serving: CONFLICT; unknown: NOT_FOUND). */
  setModelVersionState(id: string, state: 'rejected' | 'retired', reason: string): Promise<void>;
  /**
   * Replaces a version's artifact bytes (erasure removing a user's row from a model that holds per-user
   * parameters); the row's checksum and size follow. NOT_FOUND for an unknown id.
   */
  replaceModelArtifact(id: string, artifact: Buffer, checksum: string): Promise<void>;
  /** Deletes a version's artifact bytes and row (retention of old versions); false when unknown; never the serving one (CONFLICT). */
  deleteModelVersion(id: string): Promise<boolean>;

  /** CONFLICT when the id is taken. */
  addJob(job: Job): Promise<void>;
  getJob(id: string): Promise<Job | null>;
  /** Newest `createdAt` first; at most `limit` (default 50). */
  listJobs(query?: { state?: JobState; kind?: JobKind; limit?: number }): Promise<Job[]>;
  /** Applies an update; returns the job after it, or null when it does not exist. */
  updateJob(id: string, update: JobUpdate): Promise<Job | null>;
  /**
   * Atomically hands the oldest queued job (by `createdAt`) to `worker` (state running, attempts + 1, startedAt, heartbeat
   * now); null when none is queued. Two workers never get the same job.
   */
  claimJob(worker: string): Promise<Job | null>;
  /**
   * Puts back in the queue every running job whose heartbeat is older than `staleBefore` (ISO) — the
   * worker that held it died — with a log line saying so, and no worker or heartbeat. A running job without
   * a heartbeat counts as stale. Returns their ids.
   */
  requeueStaleJobs(staleBefore: string): Promise<string[]>;

  /**
   * Leader election without a master: `holder` takes the lease `name` until `nowMs + ttlMs` when it is free or
   * has expired, or renews it when `holder` has it already. True when `holder` holds it after the call. A
   * holder that dies stops renewing, and the next caller takes the lease once it expires.
   */
  acquireLease(name: string, holder: string, ttlMs: number, nowMs?: number): Promise<boolean>;
  /** Gives the lease up at once (a clean shutdown), when `holder` has it. */
  releaseLease(name: string, holder: string): Promise<void>;
}
