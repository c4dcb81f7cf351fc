import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoopShop, FAST_CANDIDATES, runJob, fittedVersion, type LoopShop } from '../../test/support/loop-shop.js';
import { TrainingSupervisor } from './supervisor.js';
import { promoteVersion, rollbackVersion } from './registry-ops.js';
import { pruneVersions } from './versions.js';
import { ServingWatcher } from './serving-watcher.js';

let shop: LoopShop | null = null;
afterEach(async () => {
  await shop?.close();
  shop = null;
});

describe('the learning loop', () => {
  it('promotes the first training, and rejects a worse candidate while the serving version stays', async () => {
    shop = await createLoopShop();
    const first = await runJob(shop);
    expect(first.decision).toBe('promoted');
    const serving = await shop.store.servingModelVersion();
    expect(serving?.id).toBe(first.versionId);
    expect(serving?.metrics['holdout:ndcg@10']).toBeGreaterThan(0);

    // Popularity alone is far worse than what serves: the gate must refuse it.
    const worse = { ...shop.config, training: { ...shop.config.training, candidates: [{ model: 'pop', params: {} }], blend: false } };
    const second = await runJob(shop, 'retrain', worse);
    expect(second.decision).toBe('rejected');
    expect(second.reason).toMatch(/worse than the serving version/);
    expect((await shop.store.servingModelVersion())?.id).toBe(first.versionId);
    const rejected = await shop.store.getModelVersion(second.versionId!);
    expect(rejected?.state).toBe('rejected');
    expect(rejected?.metrics['holdout:ndcg@10']).toBeLessThan(rejected!.metrics['serving:ndcg@10']);
  });

  it('refuses a version whose artifact has a flipped byte, and the old version keeps serving', async () => {
    shop = await createLoopShop({ users: 150, items: 60, days: 6 });
    const first = await runJob(shop);
    const served: string[] = [];
    const withLists: boolean[] = [];
    const watcher = new ServingWatcher({
      store: shop.store,
      pollMs: 60_000,
      use: async (m) => {
        served.push(m.versionId!);
        withLists.push(m.lists?.popularity.length === m.itemIds.length);
      },
      warn: () => undefined,
    });
    await watcher.check();
    expect(served).toEqual([first.versionId]);
    // A trained version brings its co-visitation and popularity, so serving never reads the events.
    expect(withLists).toEqual([true]);

    const second = await fittedVersion(shop);
    const bytes = (await shop.store.modelArtifact(second.id))!;
    bytes[bytes.length >> 1] ^= 0x40;
    await shop.store.replaceModelArtifact(second.id, bytes, second.checksum);
    // By hand: verified before it is promoted.
    await expect(promoteVersion(shop.store, second.id)).rejects.toThrow(/checksum/);
    expect((await shop.store.servingModelVersion())?.id).toBe(first.versionId);
    // Promoted behind the server's back (another process): the watcher refuses it and puts the registry back.
    await shop.store.promoteModelVersion(second.id, 'test');
    await watcher.check();
    expect(served).toEqual([first.versionId]);
    expect((await shop.store.servingModelVersion())?.id).toBe(first.versionId);
    expect((await shop.store.getModelVersion(second.id))?.state).toBe('rejected');
    await watcher.stop();
  });

  it('a poll during a promotion by hand does not swap the same version in twice', async () => {
    shop = await createLoopShop({ users: 60, items: 30, days: 4 });
    const [first, second] = [await fittedVersion(shop), await fittedVersion(shop)];
    await shop.store.promoteModelVersion(first.id, 'test');
    const served: string[] = [];
    let finishSwap = (): void => undefined;
    let swapping = false;
    const watcher = new ServingWatcher({
      store: shop.store,
      pollMs: 60_000,
      use: async (m) => {
        served.push(m.versionId!);
        // The second swap is held open, as a swap that builds an ANN graph is, while the registry already names it.
        if (m.versionId === second.id && !swapping) {
          swapping = true;
          await new Promise<void>((resolve) => (finishSwap = resolve));
        }
      },
      warn: () => undefined,
    });
    await watcher.check();
    const promotion = promoteVersion(shop.store, second.id, watcher);
    await vi.waitFor(() => expect(swapping).toBe(true));
    await watcher.check();
    finishSwap();
    await promotion;
    await watcher.check();
    expect(served).toEqual([first.id, second.id]);
    expect(watcher.current).toBe(second.id);
    await watcher.stop();
  });

  it('a rollback serves the version served before without reading its artifact again, unless it was rewritten', async () => {
    shop = await createLoopShop({ users: 60, items: 30, days: 4 });
    const [first, second] = [await fittedVersion(shop), await fittedVersion(shop)];
    await shop.store.promoteModelVersion(first.id, 'test');
    const served: string[] = [];
    const watcher = new ServingWatcher({
      store: shop.store,
      pollMs: 60_000,
      use: async (m) => void served.push(m.versionId!),
      warn: () => undefined,
    });
    await watcher.check();
    await promoteVersion(shop.store, second.id, watcher);
    const reads = vi.spyOn(shop.store, 'modelArtifact');
    await rollbackVersion(shop.store, watcher);
    expect(served).toEqual([first.id, second.id, first.id]);
    expect((await shop.store.servingModelVersion())?.id).toBe(first.id);
    expect(reads).not.toHaveBeenCalled();

    // Another process follows a rollback from its poll with what it kept as well.
    await promoteVersion(shop.store, second.id, watcher);
    await shop.store.promoteModelVersion(first.id, 'rolled back elsewhere');
    await watcher.check();
    expect(served.at(-1)).toBe(first.id);
    expect(reads).not.toHaveBeenCalled();

    // An artifact rewritten since (an erasure does that) has another checksum in its row: it is read and checked
    // again, not taken from memory (here the row's checksum no longer matches the bytes, so it is refused).
    await promoteVersion(shop.store, second.id, watcher);
    await shop.store.replaceModelArtifact(first.id, (await shop.store.modelArtifact(first.id))!, '0'.repeat(64));
    reads.mockClear();
    await expect(rollbackVersion(shop.store, watcher)).rejects.toThrow(/checksum/);
    expect(reads).toHaveBeenCalledWith(first.id);
    expect(served.at(-1)).toBe(second.id);
    await watcher.stop();
  });

  it('an incremental update warm-starts curio-seq from the serving version over the events since', async () => {
    shop = await createLoopShop({ users: 150, items: 60, days: 6 });
    const seqOnly = { ...shop.config, training: { ...shop.config.training, blend: false, candidates: [FAST_CANDIDATES[2]] } };
    const first = await runJob(shop, 'retrain', seqOnly);
    expect(first.decision).toBe('promoted');
    // A day of new behaviour: the last day's events again, a day later.
    const events = [];
    for await (const e of shop.store.scanEvents()) events.push(e);
    const last = Math.max(...events.map((e) => e.timestamp));
    const day = events.filter((e) => e.timestamp > last - 86_400_000);
    await shop.store.appendEvents(day.map((e) => ({ ...e, id: `again-${e.id}`, timestamp: e.timestamp + 86_400_000 })));

    const update = await runJob(shop, 'incremental', seqOnly);
    expect(update.decision).not.toBe('skipped');
    const version = (await shop.store.getModelVersion(update.versionId!))!;
    expect(version.model).toBe('curio-seq');
    expect(version.parentId).toBe(first.versionId);
    expect(version.params.epochs).toBeLessThanOrEqual(seqOnly.training.incrementalEpochs);
    const job = (await shop.store.getJob(version.jobId!))!;
    expect(job.log.join('\n')).toMatch(new RegExp(`curio-seq: warm start from ${first.versionId}, 3 epochs over the users active since`));
    expect(Date.parse(version.window.lastEventAt!)).toBe(last + 86_400_000);
  });

  it('keeps the newest versions, and always the serving one and the one a rollback returns to', async () => {
    shop = await createLoopShop({ users: 60, items: 30, days: 4 });
    const versions = [];
    for (let k = 0; k < 5; k++) versions.push(await fittedVersion(shop));
    await shop.store.promoteModelVersion(versions[0].id, 'test');
    await shop.store.promoteModelVersion(versions[1].id, 'test'); // versions[0] is the rollback target
    const deleted = await pruneVersions(shop.store, 2);
    expect(new Set(deleted)).toEqual(new Set([versions[2].id]));
    const left = (await shop.store.listModelVersions()).map((v) => v.id);
    expect(new Set(left)).toEqual(new Set([versions[4].id, versions[3].id, versions[1].id, versions[0].id]));
  });

  it('survives a trainer killed mid-job: the serving version is untouched and the job resumes to the end', async () => {
    shop = await createLoopShop({ users: 200, items: 80, days: 6 });
    const first = await runJob(shop);
    const slow = {
      ...shop.config,
      training: {
        ...shop.config.training,
        blend: false,
        // Small batches and many epochs: the job must still be training when it is killed.
        candidates: [{ model: 'curio-seq', params: { dim: 16, maxLen: 10, heads: 1, epochs: 60, batchSize: 4, dropoutRate: 0.1 } }],
      },
    };
    const supervisor = new TrainingSupervisor({ store: shop.store, config: slow, log: () => undefined });
    const job = await supervisor.enqueue('retrain', 'test');
    try {
      await supervisor.tick(); // claims and starts the job's process
      const pid = supervisor.current?.pid;
      expect(pid).toBeGreaterThan(0);
      // The job's process compiles from source under tsx in tests: give it time on a busy machine.
      // Killed at its first progress: early stopping can end a job on data this small a few epochs in, so a later
      // threshold raced the job's own end (the kill found no process, or came as it finished).
      await until(async () => ((await shop!.store.getJob(job.id))?.progress.fraction ?? 0) > 0, 180_000);
      process.kill(pid!, 'SIGKILL');
      // The supervisor records the kill when the child's exit reaches it: seconds on a loaded machine.
      await until(
        async () => (await shop!.store.getJob(job.id))?.state === 'queued',
        30_000,
        async () => JSON.stringify(await shop!.store.getJob(job.id)),
      );
      expect((await shop.store.getJob(job.id))?.log.join('\n')).toMatch(/killed \(SIGKILL\); queued to resume/);
      expect((await shop.store.servingModelVersion())?.id).toBe(first.versionId);

      await until(async () => {
        await supervisor.tick();
        const state = (await shop!.store.getJob(job.id))?.state;
        return state === 'succeeded' || state === 'failed';
      }, 240_000);
      const done = (await shop.store.getJob(job.id))!;
      expect(done.state).toBe('succeeded');
      expect(done.attempts).toBe(2);
      expect(['promoted', 'rejected']).toContain(done.result?.decision);
    } finally {
      await supervisor.stop();
    }
  }, 600_000);
});

/** Polls until `check` holds; on timeout the error carries `describe`'s account of what was there instead. */
async function until(check: () => Promise<boolean>, timeoutMs: number, describe?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting${describe ? `: ${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
