import type pg from 'pg';
import { CurioError } from '../../core/index.js';
import { JOB_LOG_LINES } from '../sqlite/training-tables.js';
import {
  modelTrack,
  type Job,
  type JobKind,
  type JobState,
  type JobUpdate,
  type ModelTrack,
  type ModelVersion,
  type ModelVersionQuery,
  type TrainingRecords,
} from '../training-records.js';
import { inTransaction, query } from './connection.js';

/** Registry changes (promote, state, delete) take this lock, so two of them never interleave between read and write. */
const REGISTRY_LOCK = 'curio-registry';

function isoMs(what: string, iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new CurioError('BAD_INPUT', `${what} must be an ISO time, got ${JSON.stringify(iso)}`);
  return ms;
}

const trimLog = (log: readonly string[]): string[] => log.slice(-JOB_LOG_LINES);
const parse = <T>(rows: Array<{ record: string }>): T[] => rows.map((r) => JSON.parse(r.record) as T);

/**
 * The model registry and the job queue in PostgreSQL, with the SQLite adapter's semantics: whole records as
 * JSON beside the columns that are queried, written from the record in one place. Job claims lock the row
 * they take (`FOR UPDATE SKIP LOCKED`), so workers on many machines never get the same job and never wait
 * for each other.
 */
export class PostgresTrainingTables implements TrainingRecords {
  constructor(private readonly pool: pg.Pool) {}

  private async version(db: pg.Pool | pg.PoolClient, id: string, lock = false): Promise<ModelVersion | null> {
    const { rows } = await query<{ record: string }>(db, `SELECT record FROM model_versions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return rows.length ? (JSON.parse(rows[0].record) as ModelVersion) : null;
  }

  private async existingVersion(client: pg.PoolClient, id: string): Promise<ModelVersion> {
    const v = await this.version(client, id, true);
    if (!v) throw new CurioError('NOT_FOUND', `no model version "${id}"`);
    return v;
  }

  private async saveVersion(client: pg.PoolClient, v: ModelVersion): Promise<void> {
    await client.query('UPDATE model_versions SET state = $1, record = $2 WHERE id = $3', [v.state, JSON.stringify(v), v.id]);
  }

  private registryChange<T>(fn: (client: pg.PoolClient) => Promise<T>, conflict?: string): Promise<T> {
    return inTransaction(
      this.pool,
      async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [REGISTRY_LOCK]);
        return fn(client);
      },
      conflict,
    );
  }

  async addModelVersion(version: ModelVersion, artifact: Buffer): Promise<void> {
    const v: ModelVersion = { ...version, sizeBytes: artifact.length };
    const conflict =
      v.state === 'serving' ? `model version "${v.id}" exists, or another version serves its track` : `model version "${v.id}" exists`;
    await this.registryChange(async (client) => {
      await client.query('INSERT INTO model_versions (id, state, track, created_at, record) VALUES ($1, $2, $3, $4, $5)', [
        v.id,
        v.state,
        modelTrack(v.model),
        Date.now(),
        JSON.stringify(v),
      ]);
      await client.query('INSERT INTO model_artifacts (id, bytes) VALUES ($1, $2)', [v.id, artifact]);
    }, conflict);
  }

  async getModelVersion(id: string): Promise<ModelVersion | null> {
    return this.version(this.pool, id);
  }

  async listModelVersions(q: ModelVersionQuery = {}): Promise<ModelVersion[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.state !== undefined) where.push(`state = $${values.push(q.state)}`);
    if (q.track !== undefined) where.push(`track = $${values.push(q.track)}`);
    const limit = `$${values.push(q.limit ?? 100)}`;
    const { rows } = await query<{ record: string }>(
      this.pool,
      `SELECT record FROM model_versions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, ord DESC LIMIT ${limit}`,
      values,
    );
    return parse<ModelVersion>(rows);
  }

  async modelArtifact(id: string): Promise<Buffer | null> {
    const { rows } = await query<{ bytes: Buffer }>(this.pool, 'SELECT bytes FROM model_artifacts WHERE id = $1', [id]);
    return rows.length ? rows[0].bytes : null;
  }

  async servingModelVersion(track: ModelTrack = 'recommendations'): Promise<ModelVersion | null> {
    const { rows } = await query<{ record: string }>(
      this.pool,
      `SELECT record FROM model_versions WHERE state = 'serving' AND track = $1`,
      [track],
    );
    return rows.length ? (JSON.parse(rows[0].record) as ModelVersion) : null;
  }

  async promoteModelVersion(id: string, reason: string): Promise<{ previous: string | null }> {
    return this.registryChange(async (client) => {
      const next = await this.existingVersion(client, id);
      if (next.state === 'serving') return { previous: null };
      if (next.state === 'rejected')
        throw new CurioError('CONFLICT', `model version "${id}" was rejected (${next.reason ?? 'no reason'}); it cannot serve`);
      const { rows } = await client.query<{ record: string }>(
        `SELECT record FROM model_versions WHERE state = 'serving' AND track = $1 FOR UPDATE`,
        [modelTrack(next.model)],
      );
      const previous = rows.length ? (JSON.parse(rows[0].record) as ModelVersion) : null;
      if (previous) await this.saveVersion(client, { ...previous, state: 'retired', reason });
      await this.saveVersion(client, { ...next, state: 'serving', reason: null, promotedAt: new Date().toISOString() });
      return { previous: previous?.id ?? null };
    });
  }

  async setModelVersionState(id: string, state: 'rejected' | 'retired', reason: string): Promise<void> {
    if (state !== 'rejected' && state !== 'retired')
      throw new CurioError('BAD_INPUT', `a version is set "rejected" or "retired", not "${state as string}"`);
    await this.registryChange(async (client) => {
      const v = await this.existingVersion(client, id);
      if (v.state === 'serving') throw new CurioError('CONFLICT', `model version "${id}" is serving; promote another one to replace it`);
      await this.saveVersion(client, { ...v, state, reason });
    });
  }

  async replaceModelArtifact(id: string, artifact: Buffer, checksum: string): Promise<void> {
    await this.registryChange(async (client) => {
      const v = await this.existingVersion(client, id);
      await client.query('UPDATE model_artifacts SET bytes = $1 WHERE id = $2', [artifact, id]);
      await this.saveVersion(client, { ...v, checksum, sizeBytes: artifact.length });
    });
  }

  async deleteModelVersion(id: string): Promise<boolean> {
    return this.registryChange(async (client) => {
      const v = await this.version(client, id, true);
      if (!v) return false;
      if (v.state === 'serving') throw new CurioError('CONFLICT', `model version "${id}" is serving; it cannot be deleted`);
      await client.query('DELETE FROM model_versions WHERE id = $1', [id]); // the artifact goes with it (ON DELETE CASCADE)
      return true;
    });
  }

  private jobColumns(job: Job): [JobState, JobKind, number, number | null, string] {
    const heartbeat = job.heartbeatAt === null ? null : isoMs('job heartbeatAt', job.heartbeatAt);
    return [job.state, job.kind, isoMs('job createdAt', job.createdAt), heartbeat, JSON.stringify(job)];
  }

  private async saveJob(client: pg.PoolClient, job: Job): Promise<void> {
    await client.query('UPDATE jobs SET state = $1, kind = $2, created_at = $3, heartbeat_at = $4, record = $5 WHERE id = $6', [
      ...this.jobColumns(job),
      job.id,
    ]);
  }

  async addJob(job: Job): Promise<void> {
    const columns = this.jobColumns({ ...job, log: trimLog(job.log) });
    await inTransaction(
      this.pool,
      async (client) => {
        await client.query('INSERT INTO jobs (id, state, kind, created_at, heartbeat_at, record) VALUES ($1, $2, $3, $4, $5, $6)', [
          job.id,
          ...columns,
        ]);
      },
      `job "${job.id}" exists`,
    );
  }

  async getJob(id: string): Promise<Job | null> {
    const { rows } = await query<{ record: string }>(this.pool, 'SELECT record FROM jobs WHERE id = $1', [id]);
    return rows.length ? (JSON.parse(rows[0].record) as Job) : null;
  }

  async listJobs(q: { state?: JobState; kind?: JobKind; limit?: number } = {}): Promise<Job[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.state !== undefined) where.push(`state = $${values.push(q.state)}`);
    if (q.kind !== undefined) where.push(`kind = $${values.push(q.kind)}`);
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const { rows } = await query<{ record: string }>(
      this.pool,
      `SELECT record FROM jobs${filter} ORDER BY created_at DESC, ord DESC LIMIT $${values.push(q.limit ?? 50)}`,
      values,
    );
    return parse<Job>(rows);
  }

  async updateJob(id: string, update: JobUpdate): Promise<Job | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ record: string }>('SELECT record FROM jobs WHERE id = $1 FOR UPDATE', [id]);
      if (!rows.length) return null;
      const job = JSON.parse(rows[0].record) as Job;
      const { appendLog, ...fields } = update;
      const next: Job = { ...job };
      for (const [key, value] of Object.entries(fields)) if (value !== undefined) Object.assign(next, { [key]: value });
      if (appendLog?.length) next.log = trimLog([...job.log, ...appendLog]);
      await this.saveJob(client, next);
      return next;
    });
  }

  async claimJob(worker: string): Promise<Job | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ record: string }>(
        `SELECT record FROM jobs WHERE state = 'queued' ORDER BY created_at, ord LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      if (!rows.length) return null;
      const job = JSON.parse(rows[0].record) as Job;
      const now = new Date().toISOString();
      const claimed: Job = { ...job, state: 'running', worker, attempts: job.attempts + 1, startedAt: now, heartbeatAt: now };
      await this.saveJob(client, claimed);
      return claimed;
    });
  }

  async requeueStaleJobs(staleBefore: string): Promise<string[]> {
    const before = isoMs('staleBefore', staleBefore);
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ record: string }>(
        `SELECT record FROM jobs WHERE state = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1)
         ORDER BY created_at, ord FOR UPDATE SKIP LOCKED`,
        [before],
      );
      const ids: string[] = [];
      for (const job of parse<Job>(rows)) {
        const line = `requeued: worker ${job.worker ?? '(none)'} stopped answering at ${job.heartbeatAt ?? 'its start'}`;
        await this.saveJob(client, { ...job, state: 'queued', worker: null, heartbeatAt: null, log: trimLog([...job.log, line]) });
        ids.push(job.id);
      }
      return ids;
    });
  }

  /** One statement: the upsert overwrites only a row that is expired or already the holder's, and says whether it did. */
  async acquireLease(name: string, holder: string, ttlMs: number, nowMs = Date.now()): Promise<boolean> {
    const { rowCount } = await query(
      this.pool,
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= $4`,
      [name, holder, nowMs + ttlMs, nowMs],
    );
    return (rowCount ?? 0) > 0;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await query(this.pool, 'DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
  }
}
