import { v7 as uuidv7 } from 'uuid';
import type { Job, JobKind, Store } from '../store/index.js';

/** Adds a queued job to the store. */
export async function enqueueJob(
  store: Store,
  kind: JobKind,
  trigger: string,
  params: Record<string, unknown>,
  now = Date.now(),
): Promise<Job> {
  const job: Job = {
    id: `job-${uuidv7()}`,
    kind,
    trigger,
    params,
    state: 'queued',
    progress: { fraction: 0, step: 'queued' },
    createdAt: new Date(now).toISOString(),
    startedAt: null,
    finishedAt: null,
    worker: null,
    heartbeatAt: null,
    attempts: 0,
    cancelRequested: false,
    log: [`queued (${trigger})`],
    result: null,
    error: null,
  };
  await store.addJob(job);
  return job;
}
