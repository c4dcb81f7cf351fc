// Two `curio worker` processes on one store, no master: the leading one is killed with SIGKILL in the middle
// of a job, the other takes the job over and finishes it, and the serving version stays as it was meanwhile.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueJob } from '../train/index.js';
import { alive, ENTRY, killStarted, ROOT, track } from '../../test/support/crash-harness.js';
import { clusterStoreUrl, type ClusterStore } from '../../test/support/cluster-store.js';
import { createLoopShop, runJob, type LoopShop } from '../../test/support/loop-shop.js';

/** How long a job may go without a heartbeat before another worker takes it (training.jobTakeoverSeconds). */
const TAKEOVER_SECONDS = 3;

let shop: LoopShop | null = null;
let store: ClusterStore | null = null;
afterEach(async () => {
  await killStarted();
  await shop?.close();
  await store?.drop();
  shop = null;
  store = null;
});

function startWorker(configFile: string): { pid: number } {
  const child = spawn(ENTRY, ['worker', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, CURIO_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  track(child);
  child.stderr!.resume();
  return { pid: child.pid as number };
}

async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(value)?.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('workers without a master', () => {
  it('a worker killed mid-job: another worker takes the job over and finishes it; the serving version is untouched', async () => {
    shop = await createLoopShop({ users: 200, items: 80, days: 6 });
    store = await clusterStoreUrl(shop.dir);
    if (store.url !== shop.url) {
      await shop.close();
      shop = await createLoopShop({ users: 200, items: 80, days: 6, url: store.url });
    }
    const first = await runJob(shop);
    const configFile = join(shop.dir, 'worker.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        store: { url: shop.url },
        logLevel: 'warn',
        training: {
          blend: false,
          evalUsers: 0,
          // Only the queued job runs: nothing is due by schedule, new events or staleness.
          schedule: '',
          maxStalenessMinutes: 0,
          minNewEvents: 1_000_000,
          jobTakeoverSeconds: TAKEOVER_SECONDS,
          // One sequence per step: each epoch takes seconds, so the job is still training when its worker is killed.
          candidates: [{ model: 'curio-seq', params: { dim: 32, maxLen: 20, heads: 1, epochs: 200, batchSize: 1, dropoutRate: 0.1 } }],
        },
      }),
    );
    const workers = [startWorker(configFile), startWorker(configFile)];
    const job = await enqueueJob(shop.store, 'retrain', 'test', {});
    const running = await until(
      () => shop!.store.getJob(job.id),
      (j) => j?.state === 'running',
      180_000,
      'the job running on a worker',
    );
    const leader = workers.find((w) => running!.worker?.split(':')[1] === String(w.pid));
    expect(leader).toBeDefined();
    process.kill(leader!.pid, 'SIGKILL');
    await until(
      async () => alive(leader!.pid),
      (a) => !a,
      5000,
      'the killed worker gone',
    );

    const taken = await until(
      () => shop!.store.getJob(job.id),
      (j) => j?.state === 'running' && j.worker !== running!.worker,
      (TAKEOVER_SECONDS + 15) * 1000,
      'the other worker running the job',
    );
    expect(taken!.attempts).toBe(2);
    expect(taken!.log.join('\n')).toMatch(/requeued: worker .* stopped answering/);
    expect((await shop.store.servingModelVersion())?.id).toBe(first.versionId);

    const done = await until(
      () => shop!.store.getJob(job.id),
      (j) => j?.state === 'succeeded' || j?.state === 'failed',
      240_000,
      'the job to end',
    );
    expect(done!.state).toBe('succeeded');
    expect(['promoted', 'rejected']).toContain(done!.result?.decision);
  }, 600_000);
});
