import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cron } from 'croner';
import { v7 as uuidv7 } from 'uuid';
import { CurioError, type Config } from '../core/index.js';
import type { Job, JobKind, Store } from '../store/index.js';
import type { JobStart } from './job-process.js';
import { sweepErasures } from './erasure-sweep.js';
import { enqueueJob } from './job-queue.js';
import { MIN_ENCODER_PICTURES } from './pictures-job.js';
import { pruneVersions } from './versions.js';

export { enqueueJob };

/** The check for a cancel request and for a queued job, this often. */
const TICK_MS = 1000;
/** The running job's heartbeat (a store write), this often, and at least three times within `training.jobTakeoverSeconds`. */
const HEARTBEAT_MS = 5000;
/** A job interrupted this many times (its process killed, the machine restarted) is failed, not retried. */
const MAX_ATTEMPTS = 3;
/**
 * How often the triggers are looked at: counting the new events reads the store, and the trainer usually
 * runs inside a serving process; a job queued through the API is still picked up at the next tick.
 */
const DUE_CHECK_MS = 15_000;
/** Automatic jobs (new events, staleness) wait this long after the previous job ended, so a rejected update does not retrain at once. */
const AUTO_COOLDOWN_MS = 60_000;
/**
 * Several trainers may share one store (a cluster): the holder of this lease decides what is due, any trainer
 * runs what is queued. The lease outlives a few due checks, so a live leader keeps it and a dead one loses it.
 */
const SCHEDULER_LEASE = 'training-scheduler';
const SCHEDULER_LEASE_MS = 3 * DUE_CHECK_MS;
/** After a look at the stored pictures found too few to train an encoder on, the next look waits this long (it reads them). */
const PICTURES_LOOK_MS = 10 * 60_000;

export interface SupervisorOptions {
  store: Store;
  config: Config;
  /** Inside a serving process (`curio serve`): jobs leave a core to it unless `training.jobThreads` says otherwise. */
  besideServing?: boolean;
  log?: (line: string) => void;
  clock?: () => number;
}

/**
 * The trainer: decides when a job is due (the cron schedule, enough new events, a stale serving version),
 * claims queued jobs from the store one at a time and runs each in its own low-priority process, keeping
 * its heartbeat, cancelling it on request, and putting back in the queue the jobs of workers that died.
 * Runs inside `curio serve` by default and alone as `curio worker`.
 */
export class TrainingSupervisor {
  readonly workerId = `${hostname()}:${process.pid}:${uuidv7().slice(-6)}`;
  private timer: NodeJS.Timeout | null = null;
  private running: { job: Job; child: ChildProcess; exited: Promise<void>; cancelled: boolean } | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  private lastHeartbeat = 0;
  private lastDueCheck = Number.NEGATIVE_INFINITY;
  private tooFewPicturesUntil = Number.NEGATIVE_INFINITY;
  private readonly clock: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SupervisorOptions) {
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? ((line) => console.log(`curio trainer: ${line}`));
  }

  /** The running job and the pid of its process, or null. */
  get current(): { jobId: string; pid: number | undefined } | null {
    return this.running ? { jobId: this.running.job.id, pid: this.running.child.pid } : null;
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  /** Stops scheduling; a running job's process is stopped and the job queued again (it resumes from its checkpoints). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking?.catch(() => undefined);
    await this.options.store.releaseLease(SCHEDULER_LEASE, this.workerId).catch(() => undefined);
    const run = this.running;
    if (!run) return;
    run.child.kill('SIGKILL');
    await run.exited;
  }

  /** Adds a job to the queue; CONFLICT when one of that kind is already queued or running. */
  async enqueue(kind: JobKind, trigger: string, params: Record<string, unknown> = {}): Promise<Job> {
    const { store } = this.options;
    const active = [...(await store.listJobs({ state: 'queued' })), ...(await store.listJobs({ state: 'running' }))];
    const same = active.find((j) => j.kind === kind);
    if (same) throw new CurioError('CONFLICT', `a ${kind} job is already ${same.state}: ${same.id}`);
    return enqueueJob(store, kind, trigger, params, this.clock());
  }

  /** One pass: requeue stale jobs, heartbeat or cancel the running one, else queue what is due and start the next. */
  tick(): Promise<void> {
    this.ticking ??= this.pass()
      .catch((error: unknown) => this.log(`error: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.ticking = null;
      });
    return this.ticking;
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    const { store } = this.options;
    const now = this.clock();
    const staleBefore = new Date(now - this.options.config.training.jobTakeoverSeconds * 1000).toISOString();
    for (const id of await store.requeueStaleJobs(staleBefore)) this.log(`job ${id} lost its worker; queued again`);
    if (this.running) return this.watch(this.running, now);
    if (now - this.lastDueCheck >= DUE_CHECK_MS) {
      this.lastDueCheck = now;
      if (await store.acquireLease(SCHEDULER_LEASE, this.workerId, SCHEDULER_LEASE_MS, now)) {
        // Erasures first: one may queue the retrain that replaces a version trained on an erased user.
        await sweepErasures(store, this.options.config, this.log, now).catch((error: unknown) =>
          this.log(`erasure sweep failed: ${error instanceof Error ? error.message : String(error)}`),
        );
        await this.queueDue(now);
      }
    }
    const job = await store.claimJob(this.workerId);
    if (!job) return;
    if (job.attempts > MAX_ATTEMPTS) {
      await store.updateJob(job.id, {
        state: 'failed',
        finishedAt: new Date(now).toISOString(),
        error: `interrupted ${job.attempts - 1} times`,
      });
      return;
    }
    this.launch(job);
  }

  private async watch(run: NonNullable<TrainingSupervisor['running']>, now: number): Promise<void> {
    const { store } = this.options;
    const job = await store.getJob(run.job.id);
    if (job?.cancelRequested && !run.cancelled) {
      run.cancelled = true;
      this.log(`cancelling job ${run.job.id}`);
      run.child.kill('SIGKILL');
      return;
    }
    if (now - this.lastHeartbeat >= Math.min(HEARTBEAT_MS, (this.options.config.training.jobTakeoverSeconds * 1000) / 3)) {
      this.lastHeartbeat = now;
      await store.updateJob(run.job.id, { heartbeatAt: new Date(now).toISOString() });
    }
  }

  private launch(job: Job): void {
    const { config, store } = this.options;
    const checkpointDir = checkpointDirectory(config);
    const { entry, execArgv } = jobEntry();
    const child = fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    const start: JobStart = { jobId: job.id, config, checkpointDir, threads: jobThreads(config, this.options.besideServing ?? false) };
    child.send(start);
    this.log(
      `job ${job.id} (${job.kind}, ${job.trigger}) started in process ${child.pid} with ${start.threads} kernel thread${start.threads === 1 ? '' : 's'}${job.attempts > 1 ? `, attempt ${job.attempts}` : ''}`,
    );
    const exited = new Promise<void>((done) => {
      child.once('exit', (code, signal) => {
        void this.ended(job, code, signal).finally(() => {
          this.running = null;
          done();
        });
      });
    });
    this.running = { job, child, exited, cancelled: false };
    void store.updateJob(job.id, { heartbeatAt: new Date(this.clock()).toISOString() });
  }

  /** Records how a job's process ended unless the process recorded it itself. */
  private async ended(job: Job, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const { store } = this.options;
    const now = new Date(this.clock()).toISOString();
    const current = await store.getJob(job.id);
    if (!current || current.state !== 'running') {
      this.log(`job ${job.id} ${current?.state ?? 'gone'}`);
      if (current && current.state !== 'running') removeCheckpoints(this.options.config, job.id);
      const pruned = await pruneVersions(store, this.options.config.training.keepVersions);
      if (pruned.length > 0) this.log(`deleted ${pruned.length} old model versions (training.keepVersions)`);
      return;
    }
    if (this.running?.cancelled) {
      await store.updateJob(job.id, { state: 'cancelled', finishedAt: now, appendLog: ['cancelled on request'] });
      removeCheckpoints(this.options.config, job.id);
      this.log(`job ${job.id} cancelled`);
    } else if (this.stopped) {
      // Shut down with the server: back in the queue at once, to resume from its checkpoints.
      await store.updateJob(job.id, { state: 'queued', appendLog: ['interrupted: the trainer stopped; queued to resume'] });
    } else {
      const why = signal ? `its process was killed (${signal})` : `its process exited with code ${code}`;
      await store.updateJob(job.id, { state: 'queued', appendLog: [`interrupted: ${why}; queued to resume`] });
      this.log(`job ${job.id}: ${why}; queued again`);
    }
  }

  /**
   * Queues a retrain when the schedule says so (or nothing serves yet), the first image encoder when pictures
   * arrived and none serves, else an incremental update when enough is new.
   */
  private async queueDue(now: number): Promise<void> {
    const { store, config } = this.options;
    const training = config.training;
    const jobs = await store.listJobs({ limit: 20 });
    if (jobs.some((j) => j.state === 'queued' || j.state === 'running')) return;
    const serving = await store.servingModelVersion();
    const lastRetrain = jobs.find((j) => j.kind === 'retrain');
    const lastEnded = Math.max(0, ...jobs.map((j) => (j.finishedAt ? Date.parse(j.finishedAt) : 0)));
    // Nothing serves: train as soon as there are events, then after each failed try once the cooldown has passed.
    if (!serving && now - lastEnded >= AUTO_COOLDOWN_MS && (await hasEvents(store)))
      return this.queue('retrain', 'no-serving-version', now);
    if (await this.firstEncoderDue(jobs, now)) return this.queue('pictures', 'no-serving-encoder', now);
    if (!serving) return;
    if (training.schedule !== '') {
      const from = new Date(lastRetrain ? Date.parse(lastRetrain.createdAt) : Date.parse(serving.trainedAt));
      const next = new Cron(training.schedule, { paused: true }).nextRun(from);
      if (next && next.getTime() <= now) return this.queue('retrain', 'schedule', now);
    }
    if (now - lastEnded < AUTO_COOLDOWN_MS) return;
    const since = serving.window.lastEventAt ? Date.parse(serving.window.lastEventAt) + 1 : 0;
    const fresh = await countEvents(store, since, training.minNewEvents);
    if (fresh >= training.minNewEvents) return this.queue('incremental', 'new-events', now);
    const staleMs = training.maxStalenessMinutes * 60_000;
    if (fresh > 0 && staleMs > 0 && now - Date.parse(serving.trainedAt) >= staleMs) return this.queue('incremental', 'staleness', now);
  }

  /**
   * The first image encoder is due when enough pictures were uploaded and none serves, unless an encoder
   * file is configured (it serves instead of the registry) or a pictures job is among the recent ones (one
   * that was skipped is not repeated by itself; `curio jobs start pictures` runs another).
   */
  private async firstEncoderDue(recent: readonly Job[], now: number): Promise<boolean> {
    const { store, config } = this.options;
    if (config.pictures.encoderPath !== null || now < this.tooFewPicturesUntil || recent.some((j) => j.kind === 'pictures')) return false;
    if (await store.servingModelVersion('pictures')) return false;
    let uploaded = 0;
    for await (const p of store.scanItemPictures(MIN_ENCODER_PICTURES * 10)) {
      if (p.kind === 'image' && ++uploaded >= MIN_ENCODER_PICTURES) return true;
    }
    this.tooFewPicturesUntil = now + PICTURES_LOOK_MS;
    return false;
  }

  private async queue(kind: JobKind, trigger: string, now: number): Promise<void> {
    const job = await enqueueJob(this.options.store, kind, trigger, {}, now);
    this.log(`queued ${kind} job ${job.id} (${trigger})`);
  }
}

/**
 * Cancels a job: a queued one at once, a running one by asking its supervisor (which stops its process
 * within a second). CONFLICT for a job that has already ended.
 */
export async function cancelJob(store: Store, id: string): Promise<Job> {
  const job = await store.getJob(id);
  if (!job) throw new CurioError('NOT_FOUND', `no job ${id}`);
  if (job.state === 'queued') {
    return (await store.updateJob(id, {
      state: 'cancelled',
      finishedAt: new Date().toISOString(),
      appendLog: ['cancelled before it started'],
    }))!;
  }
  if (job.state !== 'running') throw new CurioError('CONFLICT', `job ${id} has already ended (${job.state})`);
  return (await store.updateJob(id, { cancelRequested: true, appendLog: ['cancel requested'] }))!;
}

async function hasEvents(store: Store): Promise<boolean> {
  return (await countEvents(store, 0, 1)) > 0;
}

/** Events from `from` on, counted up to `cap` (the trigger needs no exact count). */
async function countEvents(store: Store, from: number, cap: number): Promise<number> {
  let n = 0;
  for await (const _ of store.scanEvents({ from, batchSize: cap })) if (++n >= cap) break;
  return n;
}

/** Built, the entry is `job-main.js` beside this file; from source (tests, tsx) the .ts file under tsx's loader. */
/** The job's kernel threads (see `training.jobThreads`). */
export function jobThreads(config: Config, besideServing: boolean): number {
  const cores = availableParallelism();
  return config.training.jobThreads ?? (besideServing ? Math.max(1, cores - 1) : cores);
}

function jobEntry(): { entry: string; execArgv: string[] } {
  const built = fileURLToPath(new URL('./job-main.js', import.meta.url));
  if (existsSync(built)) return { entry: built, execArgv: [] };
  return { entry: fileURLToPath(new URL('./job-main.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

/** Checkpoints live beside a SQLite file (so a restart finds them), else in the temp directory. */
export function checkpointDirectory(config: Config): string | null {
  const url = config.store.url;
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
  const dir = file && file !== ':memory:' ? join(dirname(resolve(file)), '.curio-training') : join(tmpdir(), 'curio-training');
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return null;
  }
}

function removeCheckpoints(config: Config, jobId: string): void {
  const dir = checkpointDirectory(config);
  if (!dir) return;
  for (const name of readdirSync(dir)) if (name.startsWith(jobId)) rmSync(join(dir, name), { force: true });
}
