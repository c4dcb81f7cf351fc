import { CurioError } from '../../core/index.js';
import {
  modelTrack,
  type Job,
  type JobKind,
  type JobState,
  type JobUpdate,
  type ModelTrack,
  type ModelVersion,
  type ModelVersionQuery,
} from '../training-records.js';
import type { StatementCache } from './write-steps.js';

/** Log lines a job keeps (the newest). */
export const JOB_LOG_LINES = 200;

/** A version's artifact bytes (one parameter: the version id). */
export const MODEL_ARTIFACT_SQL = 'SELECT bytes FROM model_artifacts WHERE id = ?';

/** A transaction of `fn` that holds the write lock from its start (the store's IMMEDIATE transactions). */
export type WriteTransaction = <T>(fn: () => T) => T;

/** An ISO time as epoch ms for the ordering columns; BAD_INPUT when it does not parse. */
function isoMs(what: string, iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new CurioError('BAD_INPUT', `${what} must be an ISO time, got ${JSON.stringify(iso)}`);
  return ms;
}

/** Constraint failures as CurioErrors: a taken id or a second serving version is a CONFLICT, a bad state BAD_INPUT. */
function asCurioError(e: unknown, conflict: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE')
    return new CurioError('CONFLICT', conflict, { cause: e });
  if (code === 'SQLITE_CONSTRAINT_CHECK') return new CurioError('BAD_INPUT', `invalid state: ${(e as Error).message}`, { cause: e });
  return e;
}

const QUEUED_JOB = `SELECT record FROM jobs WHERE state = 'queued' ORDER BY created_at, rowid LIMIT 1`;
const STALE_JOBS = `SELECT record FROM jobs WHERE state = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ?) ORDER BY created_at, rowid`;

const trimLog = (log: readonly string[]): string[] => log.slice(-JOB_LOG_LINES);

/**
 * The model registry and the job queue on one connection. Every read-modify-write runs in a transaction that
 * takes the write lock first, so another connection (the writer thread, a worker process) cannot commit
 * between the read and the write; the connection's busy_timeout makes a held lock a wait, not an error.
 */
export class TrainingTables {
  constructor(
    private readonly sql: StatementCache,
    private readonly transaction: WriteTransaction,
  ) {}

  private version(id: string): ModelVersion | null {
    const text = this.sql('SELECT record FROM model_versions WHERE id = ?').pluck().get(id) as string | undefined;
    return text === undefined ? null : (JSON.parse(text) as ModelVersion);
  }

  private existingVersion(id: string): ModelVersion {
    const v = this.version(id);
    if (!v) throw new CurioError('NOT_FOUND', `no model version "${id}"`);
    return v;
  }

  /** Writes a changed record (its state column follows); retire the old serving row before marking a new one. */
  private saveVersion(v: ModelVersion): void {
    this.sql('UPDATE model_versions SET state = ?, record = ? WHERE id = ?').run(v.state, JSON.stringify(v), v.id);
  }

  addModelVersion(version: ModelVersion, artifact: Buffer): void {
    // The size is the stored bytes' by definition, as after replaceModelArtifact.
    const v: ModelVersion = { ...version, sizeBytes: artifact.length };
    try {
      this.transaction(() => {
        this.sql('INSERT INTO model_versions (id, state, track, created_at, record) VALUES (?, ?, ?, ?, ?)').run(
          v.id,
          v.state,
          modelTrack(v.model),
          Date.now(),
          JSON.stringify(v),
        );
        this.sql('INSERT INTO model_artifacts (id, bytes) VALUES (?, ?)').run(v.id, artifact);
      });
    } catch (e) {
      throw asCurioError(
        e,
        v.state === 'serving' ? `model version "${v.id}" exists, or another version serves its track` : `model version "${v.id}" exists`,
      );
    }
  }

  getModelVersion(id: string): ModelVersion | null {
    return this.version(id);
  }

  listModelVersions(query: ModelVersionQuery = {}): ModelVersion[] {
    const where = [...(query.state === undefined ? [] : ['state = @state']), ...(query.track === undefined ? [] : ['track = @track'])];
    const rows = this.sql(
      `SELECT record FROM model_versions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
    )
      .pluck()
      .all({
        ...(query.state === undefined ? {} : { state: query.state }),
        ...(query.track === undefined ? {} : { track: query.track }),
        limit: query.limit ?? 100,
      }) as string[];
    return rows.map((text) => JSON.parse(text) as ModelVersion);
  }

  modelArtifact(id: string): Buffer | null {
    return (this.sql(MODEL_ARTIFACT_SQL).pluck().get(id) as Buffer | undefined) ?? null;
  }

  /** The literal 'serving' (not a parameter) lets the planner use the partial index. */
  servingModelVersion(track: ModelTrack = 'recommendations'): ModelVersion | null {
    const text = this.sql(`SELECT record FROM model_versions WHERE state = 'serving' AND track = ?`).pluck().get(track) as
      string | undefined;
    return text === undefined ? null : (JSON.parse(text) as ModelVersion);
  }

  promoteModelVersion(id: string, reason: string): { previous: string | null } {
    return this.transaction(() => {
      const next = this.existingVersion(id);
      if (next.state === 'serving') return { previous: null };
      if (next.state === 'rejected')
        throw new CurioError('CONFLICT', `model version "${id}" was rejected (${next.reason ?? 'no reason'}); it cannot serve`);
      const previous = this.servingModelVersion(modelTrack(next.model));
      if (previous) this.saveVersion({ ...previous, state: 'retired', reason });
      this.saveVersion({ ...next, state: 'serving', reason: null, promotedAt: new Date().toISOString() });
      return { previous: previous?.id ?? null };
    });
  }

  setModelVersionState(id: string, state: 'rejected' | 'retired', reason: string): void {
    if (state !== 'rejected' && state !== 'retired')
      throw new CurioError('BAD_INPUT', `a version is set "rejected" or "retired", not "${state as string}"`);
    this.transaction(() => {
      const v = this.existingVersion(id);
      if (v.state === 'serving') throw new CurioError('CONFLICT', `model version "${id}" is serving; promote another one to replace it`);
      this.saveVersion({ ...v, state, reason });
    });
  }

  replaceModelArtifact(id: string, artifact: Buffer, checksum: string): void {
    this.transaction(() => {
      const v = this.existingVersion(id);
      this.sql('UPDATE model_artifacts SET bytes = ? WHERE id = ?').run(artifact, id);
      this.saveVersion({ ...v, checksum, sizeBytes: artifact.length });
    });
  }

  deleteModelVersion(id: string): boolean {
    return this.transaction(() => {
      const v = this.version(id);
      if (!v) return false;
      if (v.state === 'serving') throw new CurioError('CONFLICT', `model version "${id}" is serving; it cannot be deleted`);
      this.sql('DELETE FROM model_artifacts WHERE id = ?').run(id);
      this.sql('DELETE FROM model_versions WHERE id = ?').run(id);
      return true;
    });
  }

  private job(id: string): Job | null {
    const text = this.sql('SELECT record FROM jobs WHERE id = ?').pluck().get(id) as string | undefined;
    return text === undefined ? null : (JSON.parse(text) as Job);
  }

  /** The queried columns, derived from the record. */
  private jobColumns(job: Job): [JobState, JobKind, number, number | null, string] {
    const heartbeat = job.heartbeatAt === null ? null : isoMs('job heartbeatAt', job.heartbeatAt);
    return [job.state, job.kind, isoMs('job createdAt', job.createdAt), heartbeat, JSON.stringify(job)];
  }

  private saveJob(job: Job): void {
    const [state, kind, createdAt, heartbeat, record] = this.jobColumns(job);
    this.sql('UPDATE jobs SET state = ?, kind = ?, created_at = ?, heartbeat_at = ?, record = ? WHERE id = ?').run(
      state,
      kind,
      createdAt,
      heartbeat,
      record,
      job.id,
    );
  }

  addJob(job: Job): void {
    const columns = this.jobColumns({ ...job, log: trimLog(job.log) });
    try {
      this.transaction(() => {
        this.sql('INSERT INTO jobs (id, state, kind, created_at, heartbeat_at, record) VALUES (?, ?, ?, ?, ?, ?)').run(job.id, ...columns);
      });
    } catch (e) {
      throw asCurioError(e, `job "${job.id}" exists`);
    }
  }

  getJob(id: string): Job | null {
    return this.job(id);
  }

  listJobs(query: { state?: JobState; kind?: JobKind; limit?: number } = {}): Job[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.state !== undefined) {
      where.push('state = ?');
      params.push(query.state);
    }
    if (query.kind !== undefined) {
      where.push('kind = ?');
      params.push(query.kind);
    }
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const rows = this.sql(`SELECT record FROM jobs${filter} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .pluck()
      .all(...params, query.limit ?? 50) as string[];
    return rows.map((text) => JSON.parse(text) as Job);
  }

  updateJob(id: string, update: JobUpdate): Job | null {
    return this.transaction(() => {
      const job = this.job(id);
      if (!job) return null;
      const { appendLog, ...fields } = update;
      const next: Job = { ...job };
      for (const [key, value] of Object.entries(fields)) if (value !== undefined) Object.assign(next, { [key]: value });
      if (appendLog?.length) next.log = trimLog([...job.log, ...appendLog]);
      this.saveJob(next);
      return next;
    });
  }

  claimJob(worker: string): Job | null {
    // A supervisor asks every second, and the answer is nearly always "none": a read first, so the request
    // thread takes the write lock (and waits out another connection's commit) only when there is a job.
    if (this.sql(QUEUED_JOB).pluck().get() === undefined) return null;
    return this.transaction(() => {
      const text = this.sql(QUEUED_JOB).pluck().get() as string | undefined;
      if (text === undefined) return null;
      const job = JSON.parse(text) as Job;
      const now = new Date().toISOString();
      const claimed: Job = { ...job, state: 'running', worker, attempts: job.attempts + 1, startedAt: now, heartbeatAt: now };
      this.saveJob(claimed);
      return claimed;
    });
  }

  /** One statement: the upsert only overwrites a row that is expired or already the holder's, and `changes` says whether it did. */
  acquireLease(name: string, holder: string, ttlMs: number, nowMs: number): boolean {
    const taken = this.sql(
      `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
    ).run(name, holder, nowMs + ttlMs, nowMs);
    return taken.changes > 0;
  }

  releaseLease(name: string, holder: string): void {
    this.sql('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
  }

  /** A running job without a heartbeat counts as stale: nothing would ever requeue it otherwise. */
  requeueStaleJobs(staleBefore: string): string[] {
    const before = isoMs('staleBefore', staleBefore);
    // Every supervisor tick asks; a read first, as in `claimJob`, takes the write lock only when a job is stale.
    if (this.sql(STALE_JOBS).pluck().get(before) === undefined) return [];
    return this.transaction(() => {
      const rows = this.sql(STALE_JOBS).pluck().all(before) as string[];
      return rows.map((text) => {
        const job = JSON.parse(text) as Job;
        const line = `requeued: worker ${job.worker ?? '(none)'} stopped answering at ${job.heartbeatAt ?? 'its start'}`;
        this.saveJob({ ...job, state: 'queued', worker: null, heartbeatAt: null, log: trimLog([...job.log, line]) });
        return job.id;
      });
    });
  }
}
