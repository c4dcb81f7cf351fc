import { CurioError, type Config } from '../core/index.js';
import { setThreads } from '../nn/index.js';
import { openStore } from '../store/index.js';
import type { Job, Store } from '../store/index.js';
import { lowerJobPriority } from './priority.js';
import { runPicturesJob } from './pictures-job.js';
import { runTrainingJob, type JobReporter } from './run-job.js';

/**
 * The body of a job's own process (started by the supervisor through job-main.ts): it opens the store,
 * runs the job at the lowest priority and writes its progress, log and end to the job's record. Training
 * is synchronous, so this process is what keeps it off the serving process's event loop.
 */

/** What the supervisor sends the job process first. */
export interface JobStart {
  jobId: string;
  config: Config;
  checkpointDir: string | null;
  /** Threads for the job's numeric kernels (the supervisor's jobThreads). */
  threads: number;
}

const PRIORITY_TEXT = {
  idle: 'every thread at SCHED_IDLE (below serving)',
  nice: 'every thread at nice 19 (below serving)',
  unchanged: 'priority unchanged (lowering it was not permitted)',
} as const;

/** Progress is written at most this often (each write is a store transaction). */
const PROGRESS_EVERY_MS = 1000;

export async function runJobProcess(start: JobStart): Promise<void> {
  setThreads(start.threads);
  const priority = lowerJobPriority();
  const parent = process.ppid;
  const store = await openStore(start.config.store.url);
  try {
    const job = await store.getJob(start.jobId);
    if (!job) throw new CurioError('NOT_FOUND', `no job ${start.jobId}`);
    await store.updateJob(job.id, { appendLog: [`process ${process.pid}: ${start.threads} kernel threads, ${PRIORITY_TEXT[priority]}`] });
    const outcome =
      job.kind === 'pictures'
        ? await runPicturesJob({ store, config: start.config, job, reporter: reporter(store, job, parent) })
        : await runTrainingJob({
            store,
            config: start.config,
            job,
            reporter: reporter(store, job, parent),
            checkpoint: start.checkpointDir ? (name) => `${start.checkpointDir}/${job.id}-${name}.ckpt` : null,
          });
    const result = { ...(job.result ?? {}), ...(await store.getJob(job.id))?.result, ...outcome };
    await store.updateJob(job.id, {
      state: 'succeeded',
      finishedAt: new Date().toISOString(),
      progress: { fraction: 1, step: outcome.decision },
      result,
      appendLog: [`${outcome.decision}: ${outcome.reason}`],
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await store.updateJob(start.jobId, {
      state: 'failed',
      finishedAt: new Date().toISOString(),
      error: message,
      appendLog: [`failed: ${message}`],
    });
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}

function reporter(store: Store, job: Job, parent: number): JobReporter {
  let last = 0;
  let result: Record<string, unknown> = { ...(job.result ?? {}) };
  const write = (update: Parameters<Store['updateJob']>[1]) => void store.updateJob(job.id, update).catch(() => undefined);
  return {
    progress(fraction, step) {
      // Training holds this thread; a supervisor that died cannot tell us, so look: orphaned, stop.
      if (process.ppid !== parent) process.exit(1);
      const now = Date.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      write({ progress: { fraction: Math.max(0, Math.min(1, fraction)), step } });
    },
    log(line) {
      console.log(`curio job ${job.id}: ${line}`);
      write({ appendLog: [line] });
    },
    async remember(values) {
      result = { ...result, ...values };
      await store.updateJob(job.id, { result });
    },
  };
}
