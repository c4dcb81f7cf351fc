/**
 * The conformance suite of the learning loop's records (model registry and job queue). Every adapter runs
 * it unchanged: `describeTrainingRecords('sqlite', () => openStore('sqlite::memory:'))`.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE_ENCODER_MODEL, type Job, type ModelVersion, type TrainingRecords } from './training-records.js';

/** What the suite needs of a store: the records and a way to close it (a Store, or a test double). */
export type TrainingStore = TrainingRecords & { close(): Promise<void> };

export interface TrainingSuiteOptions {
  /** Two stores on one database with their own connections, for the cross-connection cases. */
  openPair?: () => Promise<[TrainingStore, TrainingStore]>;
}

export function sampleModelVersion(id: string, overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    id,
    model: 'curio-seq',
    params: { dim: 64, layers: [2, { heads: 4 }], dropout: 0.1, tag: 'a"b\n' },
    window: { events: 12_345, users: 321, items: 99, lastEventAt: '2025-03-01T12:00:00.000Z' },
    trainedAt: '2025-03-01T12:30:00.000Z',
    trainSeconds: 42.5,
    parentId: 'mv-parent',
    jobId: 'job-1',
    metrics: { 'ndcg@10': 0.3125, 'serving:ndcg@10': 0.25 },
    checksum: 'ab'.repeat(32),
    sizeBytes: 4,
    state: 'candidate',
    reason: null,
    promotedAt: null,
    ...overrides,
  };
}

/** Minutes after a fixed start, as an ISO time: jobs' createdAt in a known order. */
const at = (minutes: number): string => new Date(Date.UTC(2025, 0, 1) + minutes * 60_000).toISOString();

export function sampleJob(id: string, overrides: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'retrain',
    trigger: 'schedule',
    params: { models: ['curio-seq', 'blend'], holdout: 0.1 },
    state: 'queued',
    progress: { fraction: 0, step: 'queued' },
    createdAt: at(0),
    startedAt: null,
    finishedAt: null,
    worker: null,
    heartbeatAt: null,
    attempts: 0,
    cancelRequested: false,
    log: [],
    result: null,
    error: null,
    ...overrides,
  };
}

const ARTIFACT = Buffer.from([0, 1, 254, 255]);

/** Claims until none is queued; the ids in claim order. */
async function drain(store: TrainingRecords, worker: string): Promise<string[]> {
  const ids: string[] = [];
  for (let job = await store.claimJob(worker); job; job = await store.claimJob(worker)) {
    expect(job.worker).toBe(worker);
    ids.push(job.id);
  }
  return ids;
}

export function describeTrainingRecords(name: string, open: () => Promise<TrainingStore>, options: TrainingSuiteOptions = {}): void {
  describe(`TrainingRecords conformance: ${name}`, () => {
    let store: TrainingStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const states = async () => Object.fromEntries((await store.listModelVersions()).map((v) => [v.id, v.state]));

    describe('model versions', () => {
      it('round-trips every field and the artifact bytes exactly', async () => {
        const version = sampleModelVersion('mv-1', {
          parentId: null,
          window: { events: 0, users: 0, items: 0, lastEventAt: null },
        });
        const artifact = randomBytes(256 * 1024);
        await store.addModelVersion(version, artifact);
        expect(await store.getModelVersion('mv-1')).toEqual({ ...version, sizeBytes: artifact.length });
        const stored = await store.modelArtifact('mv-1');
        expect(Buffer.isBuffer(stored)).toBe(true);
        expect(stored?.equals(artifact)).toBe(true);
        await store.addModelVersion(sampleModelVersion('mv-2', { state: 'rejected', reason: 'worse than serving' }), ARTIFACT);
        expect(await store.getModelVersion('mv-2')).toEqual(
          sampleModelVersion('mv-2', { state: 'rejected', reason: 'worse than serving' }),
        );
        expect(await store.getModelVersion('missing')).toBeNull();
        expect(await store.modelArtifact('missing')).toBeNull();
      });

      it('records sizeBytes as the artifact length', async () => {
        await store.addModelVersion(sampleModelVersion('mv-1', { sizeBytes: 999 }), Buffer.alloc(10));
        expect((await store.getModelVersion('mv-1'))?.sizeBytes).toBe(10);
      });

      it('refuses a taken id (CONFLICT) and keeps the first version and artifact', async () => {
        await store.addModelVersion(sampleModelVersion('mv-1'), ARTIFACT);
        await expect(store.addModelVersion(sampleModelVersion('mv-1', { model: 'other' }), Buffer.from('x'))).rejects.toMatchObject({
          code: 'CONFLICT',
        });
        expect((await store.getModelVersion('mv-1'))?.model).toBe('curio-seq');
        expect((await store.modelArtifact('mv-1'))?.equals(ARTIFACT)).toBe(true);
      });

      it('lists newest first, by state, at most limit (default 100)', async () => {
        for (let i = 0; i < 103; i++) {
          await store.addModelVersion(sampleModelVersion(`mv-${i}`, i % 2 ? { state: 'retired', reason: 'old' } : {}), ARTIFACT);
        }
        const all = await store.listModelVersions();
        expect(all.length).toBe(100);
        expect(all.slice(0, 3).map((v) => v.id)).toEqual(['mv-102', 'mv-101', 'mv-100']);
        expect((await store.listModelVersions({ state: 'retired', limit: 2 })).map((v) => v.id)).toEqual(['mv-101', 'mv-99']);
        expect((await store.listModelVersions({ state: 'serving' })).length).toBe(0);
        expect((await store.listModelVersions({ limit: 200 })).length).toBe(103);
      });

      it('keeps one serving version across promotions; each promotion retires the previous with the reason', async () => {
        for (const id of ['mv-a', 'mv-b', 'mv-c']) await store.addModelVersion(sampleModelVersion(id), ARTIFACT);
        expect(await store.servingModelVersion()).toBeNull();

        const before = Date.now();
        expect(await store.promoteModelVersion('mv-a', 'first')).toEqual({ previous: null });
        const a = await store.servingModelVersion();
        expect(a).toMatchObject({ id: 'mv-a', state: 'serving', reason: null });
        expect(Date.parse(a?.promotedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);

        expect(await store.promoteModelVersion('mv-b', 'ndcg@10 0.31 > 0.25')).toEqual({ previous: 'mv-a' });
        expect(await store.getModelVersion('mv-a')).toMatchObject({
          state: 'retired',
          reason: 'ndcg@10 0.31 > 0.25',
          promotedAt: a?.promotedAt,
        });
        expect(await states()).toEqual({ 'mv-a': 'retired', 'mv-b': 'serving', 'mv-c': 'candidate' });

        expect(await store.promoteModelVersion('mv-c', 'newer')).toEqual({ previous: 'mv-b' });
        // Rolling back to a retired version: it serves again and loses its retirement reason.
        expect(await store.promoteModelVersion('mv-a', 'rollback')).toEqual({ previous: 'mv-c' });
        expect(await store.servingModelVersion()).toMatchObject({ id: 'mv-a', state: 'serving', reason: null });
        expect(await states()).toEqual({ 'mv-a': 'serving', 'mv-b': 'retired', 'mv-c': 'retired' });
        expect((await store.listModelVersions({ state: 'serving' })).map((v) => v.id)).toEqual(['mv-a']);
      });

      it('serves one version per track: an image encoder never retires the recommender, nor the other way round', async () => {
        await store.addModelVersion(sampleModelVersion('mv-rec'), ARTIFACT);
        await store.addModelVersion(sampleModelVersion('mv-enc1', { model: IMAGE_ENCODER_MODEL }), ARTIFACT);
        await store.addModelVersion(sampleModelVersion('mv-enc2', { model: IMAGE_ENCODER_MODEL }), ARTIFACT);
        await store.promoteModelVersion('mv-rec', 'first');
        expect(await store.promoteModelVersion('mv-enc1', 'first encoder')).toEqual({ previous: null });
        expect((await store.servingModelVersion())?.id).toBe('mv-rec');
        expect((await store.servingModelVersion('recommendations'))?.id).toBe('mv-rec');
        expect((await store.servingModelVersion('pictures'))?.id).toBe('mv-enc1');

        expect(await store.promoteModelVersion('mv-enc2', 'newer encoder')).toEqual({ previous: 'mv-enc1' });
        expect(await states()).toEqual({ 'mv-rec': 'serving', 'mv-enc1': 'retired', 'mv-enc2': 'serving' });
        expect((await store.listModelVersions({ track: 'pictures' })).map((v) => v.id).sort()).toEqual(['mv-enc1', 'mv-enc2']);
        expect((await store.listModelVersions({ track: 'recommendations' })).map((v) => v.id)).toEqual(['mv-rec']);
        expect((await store.listModelVersions({ track: 'pictures', state: 'serving' })).map((v) => v.id)).toEqual(['mv-enc2']);
        // A second serving encoder at add is refused like a second serving recommender.
        await expect(
          store.addModelVersion(sampleModelVersion('mv-enc3', { model: IMAGE_ENCODER_MODEL, state: 'serving' }), ARTIFACT),
        ).rejects.toMatchObject({ code: 'CONFLICT' });
      });

      it('promoting the serving version changes nothing and returns previous null', async () => {
        await store.addModelVersion(sampleModelVersion('mv-a'), ARTIFACT);
        await store.promoteModelVersion('mv-a', 'first');
        const serving = await store.servingModelVersion();
        expect(await store.promoteModelVersion('mv-a', 'again')).toEqual({ previous: null });
        expect(await store.servingModelVersion()).toEqual(serving);
      });

      it('refuses to promote an unknown (NOT_FOUND) or rejected (CONFLICT) version, leaving the serving one', async () => {
        await store.addModelVersion(sampleModelVersion('mv-a'), ARTIFACT);
        await store.addModelVersion(sampleModelVersion('mv-bad'), ARTIFACT);
        await store.promoteModelVersion('mv-a', 'first');
        await store.setModelVersionState('mv-bad', 'rejected', 'checksum mismatch');
        await expect(store.promoteModelVersion('mv-bad', 'try')).rejects.toMatchObject({ code: 'CONFLICT' });
        await expect(store.promoteModelVersion('missing', 'try')).rejects.toMatchObject({ code: 'NOT_FOUND' });
        expect(await states()).toEqual({ 'mv-a': 'serving', 'mv-bad': 'rejected' });
        expect((await store.getModelVersion('mv-bad'))?.reason).toBe('checksum mismatch');
      });

      it('refuses a second serving version at add (CONFLICT), storing neither row nor artifact', async () => {
        await store.addModelVersion(sampleModelVersion('mv-a'), ARTIFACT);
        await store.promoteModelVersion('mv-a', 'first');
        await expect(store.addModelVersion(sampleModelVersion('mv-b', { state: 'serving' }), ARTIFACT)).rejects.toMatchObject({
          code: 'CONFLICT',
        });
        expect(await store.getModelVersion('mv-b')).toBeNull();
        expect(await store.modelArtifact('mv-b')).toBeNull();
      });

      it('sets rejected or retired with a reason, but never on the serving version', async () => {
        for (const id of ['mv-a', 'mv-b', 'mv-c']) await store.addModelVersion(sampleModelVersion(id), ARTIFACT);
        await store.setModelVersionState('mv-b', 'rejected', 'gate: ndcg@10 fell');
        await store.setModelVersionState('mv-c', 'retired', 'retention');
        expect(await store.getModelVersion('mv-b')).toEqual(
          sampleModelVersion('mv-b', { state: 'rejected', reason: 'gate: ndcg@10 fell' }),
        );
        expect(await store.getModelVersion('mv-c')).toMatchObject({ state: 'retired', reason: 'retention' });

        await store.promoteModelVersion('mv-a', 'first');
        await expect(store.setModelVersionState('mv-a', 'rejected', 'load failed')).rejects.toMatchObject({ code: 'CONFLICT' });
        await expect(store.setModelVersionState('mv-a', 'retired', 'x')).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await store.servingModelVersion()).toMatchObject({ id: 'mv-a', state: 'serving', reason: null });
        await expect(store.setModelVersionState('missing', 'retired', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      });

      it('replaces artifact bytes with the checksum and size, leaving the rest', async () => {
        const version = sampleModelVersion('mv-a', { sizeBytes: ARTIFACT.length });
        await store.addModelVersion(version, ARTIFACT);
        await store.promoteModelVersion('mv-a', 'first');
        const serving = await store.getModelVersion('mv-a');
        const erased = randomBytes(1000);
        await store.replaceModelArtifact('mv-a', erased, 'cd'.repeat(32));
        expect((await store.modelArtifact('mv-a'))?.equals(erased)).toBe(true);
        expect(await store.getModelVersion('mv-a')).toEqual({ ...serving, checksum: 'cd'.repeat(32), sizeBytes: 1000 });
        await expect(store.replaceModelArtifact('missing', erased, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
        expect(await store.modelArtifact('missing')).toBeNull();
      });

      it('deletes a version and its artifact, but never the serving one; false for an unknown id', async () => {
        await store.addModelVersion(sampleModelVersion('mv-a'), ARTIFACT);
        await store.addModelVersion(sampleModelVersion('mv-b'), ARTIFACT);
        await store.promoteModelVersion('mv-a', 'first');
        await expect(store.deleteModelVersion('mv-a')).rejects.toMatchObject({ code: 'CONFLICT' });
        expect((await store.modelArtifact('mv-a'))?.equals(ARTIFACT)).toBe(true);
        expect(await store.deleteModelVersion('mv-b')).toBe(true);
        expect(await store.getModelVersion('mv-b')).toBeNull();
        expect(await store.modelArtifact('mv-b')).toBeNull();
        expect(await store.deleteModelVersion('mv-b')).toBe(false);
        // The id is free again.
        await store.addModelVersion(sampleModelVersion('mv-b'), Buffer.from('new'));
        expect((await store.modelArtifact('mv-b'))?.toString()).toBe('new');
      });
    });

    describe('jobs', () => {
      it('round-trips every field; a taken id is a CONFLICT; unknown ids are null', async () => {
        const job = sampleJob('job-1', {
          kind: 'incremental',
          trigger: 'new-events',
          state: 'failed',
          progress: { fraction: 0.5, step: 'training curio-seq: epoch 3/20' },
          startedAt: at(1),
          finishedAt: at(2),
          worker: 'host:123',
          heartbeatAt: at(2),
          attempts: 2,
          cancelRequested: true,
          log: ['one', 'two "quoted"\nthree'],
          result: { versions: ['mv-1'], gate: { promoted: false } },
          error: 'out of memory',
        });
        await store.addJob(job);
        expect(await store.getJob('job-1')).toEqual(job);
        await expect(store.addJob(sampleJob('job-1'))).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await store.getJob('job-1')).toEqual(job);
        expect(await store.getJob('missing')).toBeNull();
        expect(await store.updateJob('missing', { error: 'x' })).toBeNull();
        expect(await store.getJob('missing')).toBeNull();
      });

      it('lists newest createdAt first, by state and kind, at most limit (default 50)', async () => {
        // Stored out of time order: the list follows createdAt, not arrival.
        await store.addJob(sampleJob('job-late', { createdAt: at(100), kind: 'incremental' }));
        for (let i = 0; i < 55; i++) await store.addJob(sampleJob(`job-${i}`, { createdAt: at(i), state: i % 2 ? 'succeeded' : 'queued' }));
        const all = await store.listJobs();
        expect(all.length).toBe(50);
        expect(all.slice(0, 3).map((j) => j.id)).toEqual(['job-late', 'job-54', 'job-53']);
        expect((await store.listJobs({ state: 'succeeded', limit: 2 })).map((j) => j.id)).toEqual(['job-53', 'job-51']);
        expect((await store.listJobs({ kind: 'incremental' })).map((j) => j.id)).toEqual(['job-late']);
        expect((await store.listJobs({ kind: 'incremental', state: 'succeeded' })).length).toBe(0);
        expect((await store.listJobs({ limit: 100 })).length).toBe(56);
      });

      it('claims queued jobs oldest first, each once, and marks them running', async () => {
        await store.addJob(sampleJob('job-new', { createdAt: at(30) }));
        await store.addJob(sampleJob('job-old', { createdAt: at(10) }));
        await store.addJob(sampleJob('job-done', { createdAt: at(0), state: 'succeeded' }));
        await store.addJob(sampleJob('job-mid', { createdAt: at(20), attempts: 1 }));
        const before = Date.now();
        const first = await store.claimJob('w1');
        expect(first).toMatchObject({ id: 'job-old', state: 'running', worker: 'w1', attempts: 1 });
        expect(Date.parse(first?.startedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
        expect(first?.heartbeatAt).toBe(first?.startedAt);
        expect(await store.getJob('job-old')).toEqual(first);
        expect(await store.claimJob('w2')).toMatchObject({ id: 'job-mid', worker: 'w2', attempts: 2 });
        expect((await store.claimJob('w1'))?.id).toBe('job-new');
        expect(await store.claimJob('w1')).toBeNull();
        expect((await store.getJob('job-done'))?.state).toBe('succeeded');
      });

      it('updates the given fields only and returns the job after it', async () => {
        await store.addJob(sampleJob('job-1', { log: ['queued'] }));
        const claimed = await store.claimJob('w1');
        const updated = await store.updateJob('job-1', {
          progress: { fraction: 0.25, step: 'training blend' },
          heartbeatAt: at(5),
          error: undefined,
          appendLog: ['epoch 1'],
        });
        expect(updated).toEqual({
          ...claimed,
          progress: { fraction: 0.25, step: 'training blend' },
          heartbeatAt: at(5),
          log: ['queued', 'epoch 1'],
        });
        expect(await store.getJob('job-1')).toEqual(updated);
        const done = await store.updateJob('job-1', {
          state: 'succeeded',
          finishedAt: at(6),
          result: { promoted: 'mv-1' },
          cancelRequested: true,
        });
        expect(done).toMatchObject({
          state: 'succeeded',
          finishedAt: at(6),
          result: { promoted: 'mv-1' },
          cancelRequested: true,
          log: ['queued', 'epoch 1'],
        });
        expect(await store.listJobs({ state: 'succeeded' })).toEqual([done]);
        expect(await store.claimJob('w2')).toBeNull();
      });

      it('keeps the newest 200 log lines', async () => {
        const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `line ${from + i}`);
        await store.addJob(sampleJob('job-1', { log: lines(0, 150) }));
        await store.updateJob('job-1', { appendLog: lines(150, 100) });
        const log = (await store.getJob('job-1'))?.log ?? [];
        expect(log.length).toBe(200);
        expect(log[0]).toBe('line 50');
        expect(log[199]).toBe('line 249');
        await store.addJob(sampleJob('job-2', { log: lines(0, 250) }));
        expect((await store.getJob('job-2'))?.log).toEqual(lines(50, 200));
        expect((await store.updateJob('job-2', { appendLog: ['last'] }))?.log).toEqual([...lines(51, 199), 'last']);
      });

      it('requeues running jobs whose heartbeat is older than the limit, saying so in their log', async () => {
        await store.addJob(sampleJob('job-stale', { createdAt: at(1) }));
        await store.addJob(sampleJob('job-alive', { createdAt: at(2) }));
        await store.addJob(sampleJob('job-finished', { createdAt: at(3), state: 'failed', heartbeatAt: at(0), worker: 'w0' }));
        await store.claimJob('worker-a');
        await store.claimJob('worker-b');
        const stoppedAt = new Date(Date.now() - 10 * 60_000).toISOString();
        await store.updateJob('job-stale', { heartbeatAt: stoppedAt, progress: { fraction: 0.5, step: 'epoch 10/20' } });
        const alive = await store.getJob('job-alive');

        expect(await store.requeueStaleJobs(new Date(Date.now() - 60_000).toISOString())).toEqual(['job-stale']);
        const requeued = await store.getJob('job-stale');
        expect(requeued).toMatchObject({ state: 'queued', worker: null, attempts: 1, progress: { fraction: 0.5, step: 'epoch 10/20' } });
        expect(requeued?.log.at(-1)).toContain('worker-a');
        expect(requeued?.log.at(-1)).toContain(stoppedAt);
        expect(await store.getJob('job-alive')).toEqual(alive);
        expect((await store.getJob('job-finished'))?.state).toBe('failed');
        expect(await store.requeueStaleJobs(new Date(Date.now() - 60_000).toISOString())).toEqual([]);

        // Another worker resumes it: a second attempt.
        expect(await store.claimJob('worker-c')).toMatchObject({ id: 'job-stale', state: 'running', worker: 'worker-c', attempts: 2 });
      });
    });

    describe('leases', () => {
      it('one holder at a time: renewed by its holder, taken by another only once expired or released', async () => {
        const t = 1_800_000_000_000;
        expect(await store.acquireLease('scheduler', 'w1', 10_000, t)).toBe(true);
        expect(await store.acquireLease('scheduler', 'w2', 10_000, t + 1)).toBe(false);
        expect(await store.acquireLease('other', 'w2', 10_000, t + 1)).toBe(true); // leases are independent
        expect(await store.acquireLease('scheduler', 'w1', 10_000, t + 9_000)).toBe(true); // renewed to t + 19 s
        expect(await store.acquireLease('scheduler', 'w2', 10_000, t + 12_000)).toBe(false);
        expect(await store.acquireLease('scheduler', 'w2', 10_000, t + 19_000)).toBe(true); // w1 stopped renewing
        expect(await store.acquireLease('scheduler', 'w1', 10_000, t + 19_001)).toBe(false);
        await store.releaseLease('scheduler', 'w1'); // not w1's any more: changes nothing
        expect(await store.acquireLease('scheduler', 'w1', 10_000, t + 19_002)).toBe(false);
        await store.releaseLease('scheduler', 'w2');
        expect(await store.acquireLease('scheduler', 'w1', 10_000, t + 19_003)).toBe(true);
      });
    });

    if (options.openPair) {
      const openPair = options.openPair;
      it('two connections to one database: each queued job is claimed exactly once, and promotions are seen by both', async () => {
        const [a, b] = await openPair();
        try {
          const ids = Array.from({ length: 60 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
          for (const [i, id] of ids.entries()) await (i % 2 ? a : b).addJob(sampleJob(id, { createdAt: at(i) }));
          const [fromA, fromB] = await Promise.all([drain(a, 'a'), drain(b, 'b')]);
          expect([...fromA, ...fromB].sort()).toEqual(ids);
          expect(fromA.length + fromB.length).toBe(ids.length);

          await a.addModelVersion(sampleModelVersion('mv-a'), ARTIFACT);
          await b.addModelVersion(sampleModelVersion('mv-b'), ARTIFACT);
          await a.promoteModelVersion('mv-a', 'first');
          expect((await b.servingModelVersion())?.id).toBe('mv-a');
          expect(await b.promoteModelVersion('mv-b', 'better')).toEqual({ previous: 'mv-a' });
          expect(await a.getModelVersion('mv-a')).toMatchObject({ state: 'retired', reason: 'better' });
          expect((await a.servingModelVersion())?.id).toBe('mv-b');

          // Two processes asking for one lease at the same moment: exactly one gets it.
          const now = Date.now();
          const got = await Promise.all([a.acquireLease('race', 'a', 60_000, now), b.acquireLease('race', 'b', 60_000, now)]);
          expect(got.filter(Boolean)).toHaveLength(1);
        } finally {
          await a.close();
          await b.close();
        }
      });
    }
  });
}
