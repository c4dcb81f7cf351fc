import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../store.case.js';
import { openStore } from '../open.js';
import type { Store } from '../store.js';
import { describeTrainingRecords, sampleJob, sampleModelVersion } from '../training-records.case.js';

const dir = mkdtempSync(join(tmpdir(), 'curio-training-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const pair = async (options = {}): Promise<[Store, Store]> => {
  const path = join(dir, `pair${n++}.db`);
  return [await openStore(`sqlite:${path}`, options), await openStore(`sqlite:${path}`, options)];
};

describeTrainingRecords('sqlite (memory)', () => openStore('sqlite::memory:'));
describeTrainingRecords('sqlite (file, WAL)', () => openStore(`sqlite:${join(dir, `t${n++}.db`)}`), { openPair: () => pair() });
describeTrainingRecords('sqlite (file, writer thread)', () => openStore(`sqlite:${join(dir, `t${n++}.db`)}`, { backgroundWrites: true }), {
  openPair: () => pair({ backgroundWrites: true }),
});

const OPEN_URL = JSON.stringify(new URL('../open.ts', import.meta.url).href);
const SQLITE_PATH = JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'));

/** A child node process running `script`: `line()` gives its stdout line by line, `exit` its whole output once it exits with 0. */
function child(args: string[], script: string): { proc: ChildProcess; line: () => Promise<string>; exit: Promise<string> } {
  const proc = spawn(process.execPath, [...args, '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiting: Array<() => void> = [];
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    waiting.splice(0).forEach((wake) => wake());
  });
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  let read = 0;
  const line = async (): Promise<string> => {
    for (;;) {
      const end = out.indexOf('\n', read);
      if (end >= 0) {
        const text = out.slice(read, end);
        read = end + 1;
        return text;
      }
      if (proc.exitCode !== null) throw new Error(`child exited: ${err}`);
      await new Promise<void>((wake) => waiting.push(wake));
    }
  };
  const exit = new Promise<string>((resolve, reject) =>
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited with ${code}: ${err}`)))),
  );
  proc.on('exit', () => waiting.splice(0).forEach((wake) => wake()));
  return { proc, line, exit };
}

describe('sqlite training records beside another writer', () => {
  it("a supervisor's idle questions (a queued job? a stale one?) are answered without waiting for the write lock", async () => {
    const path = join(dir, 'idle-questions.db');
    const store = await openStore(`sqlite:${path}`);
    await store.addJob(sampleJob('job-running', { state: 'running', heartbeatAt: new Date().toISOString() }));
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE'); // another connection (the writer thread, a job process) in the middle of a commit
    try {
      const started = performance.now();
      expect(await store.claimJob('w')).toBeNull();
      expect(await store.requeueStaleJobs(new Date(Date.now() - 60_000).toISOString())).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1000); // the connection's busy_timeout is 5 s
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // With something to do, the write still happens.
    await store.addJob(sampleJob('job-queued'));
    expect((await store.claimJob('w'))?.id).toBe('job-queued');
    expect(await store.requeueStaleJobs(new Date(Date.now() + 60_000).toISOString())).toEqual(['job-running', 'job-queued']);
    await store.close();
  });
});

describe('sqlite training records across processes', () => {
  it('processes claiming from one file at once claim every job exactly once', async () => {
    const path = join(dir, 'claims.db');
    const store = await openStore(`sqlite:${path}`);
    const ids = Array.from({ length: 300 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
    for (const [i, id] of ids.entries()) await store.addJob(sampleJob(id, { createdAt: new Date(Date.UTC(2025, 0, 1) + i).toISOString() }));

    const workers = ['p1', 'p2', 'p3'].map((worker) =>
      child(
        ['--import', 'tsx', '--input-type=module'],
        `const { openStore } = await import(${OPEN_URL});
        const store = await openStore('sqlite:' + ${JSON.stringify(path)});
        console.log('ready');
        await new Promise((r) => process.stdin.once('data', r));
        const ids = [];
        for (let job; (job = await store.claimJob(${JSON.stringify(worker)})); ) ids.push(job.id);
        await store.close();
        console.log(JSON.stringify(ids));
        process.exit(0);`,
      ),
    );
    for (const w of workers) expect(await w.line()).toBe('ready');
    // Start them together, and claim from this process too.
    for (const w of workers) w.proc.stdin?.write('go\n');
    const mine: string[] = [];
    for (let job = await store.claimJob('main'); job; job = await store.claimJob('main')) {
      mine.push(job.id);
      // Back to the event loop between claims: lets the 'go' lines out, and the others in.
      await new Promise((r) => setImmediate(r));
    }
    const theirs = await Promise.all(workers.map(async (w) => JSON.parse(await w.line()) as string[]));
    await Promise.all(workers.map((w) => w.exit));

    const claimed = [mine, ...theirs].flat();
    expect(claimed.length).toBe(ids.length);
    expect([...claimed].sort()).toEqual(ids);
    // Each process claimed in queue order.
    for (const list of [mine, ...theirs]) expect(list).toEqual([...list].sort());
    const byWorker = new Map((await store.listJobs({ limit: 1000 })).map((j) => [j.id, j.worker]));
    mine.forEach((id) => expect(byWorker.get(id)).toBe('main'));
    await store.close();
  });

  it('waits for a write lock another process holds instead of failing with SQLITE_BUSY', async () => {
    const path = join(dir, 'busy.db');
    const store = await openStore(`sqlite:${path}`);
    await store.addModelVersion(sampleModelVersion('mv-a'), Buffer.from('a'));
    await store.addJob(sampleJob('job-1'));
    const holder = child(
      [],
      `const Database = require(${SQLITE_PATH});
      const db = new Database(${JSON.stringify(path)});
      db.exec('BEGIN IMMEDIATE');
      db.prepare("INSERT INTO state (key, value, updated_at) VALUES ('held', '1', 0)").run();
      console.log('locked');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 400);`,
    );
    expect(await holder.line()).toBe('locked');
    const started = Date.now();
    // Blocks this thread in SQLite's busy handler until the other process commits.
    expect((await store.claimJob('w'))?.id).toBe('job-1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await holder.exit;
    await store.promoteModelVersion('mv-a', 'first');
    expect(await store.getState('held')).toBe(1);
    await store.close();
  });

  it('with a writer thread committing events, training writes on the main connection neither fail nor block it', async () => {
    const store = await openStore(`sqlite:${join(dir, 'writer-mixed.db')}`, { backgroundWrites: true });
    const appends: Array<Promise<unknown>> = [];
    for (let b = 0; b < 30; b++) {
      appends.push(store.appendEvents(Array.from({ length: 200 }, (_, i) => sampleEvent(`b${b}-${i}`))));
      await store.addJob(sampleJob(`job-${String(b).padStart(2, '0')}`, { createdAt: new Date(Date.UTC(2025, 0, 1) + b).toISOString() }));
      await store.addModelVersion(sampleModelVersion(`mv-${b}`), Buffer.alloc(1000, b));
      await store.promoteModelVersion(`mv-${b}`, `round ${b}`);
      if (b % 2) await store.claimJob('w');
    }
    await Promise.all(appends);
    expect((await store.counts()).events).toBe(6000);
    expect((await store.servingModelVersion())?.id).toBe('mv-29');
    expect((await store.listModelVersions({ state: 'retired', limit: 1000 })).length).toBe(29);
    expect((await store.listJobs({ state: 'running' })).length).toBe(15);
    await store.close();
  });
});

describe('sqlite training schema', () => {
  const path = join(dir, 'schema.db');

  it('allows one serving row at the schema level and reads it, and the claim, through an index', async () => {
    const store = await openStore(`sqlite:${path}`);
    await store.close();
    const db = new Database(path);
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    expect(plan(`SELECT record FROM model_versions WHERE state = 'serving'`)).toMatch(/USING (COVERING )?INDEX model_versions_/);
    const claim = plan(`SELECT record FROM jobs WHERE state = 'queued' ORDER BY created_at, rowid LIMIT 1`);
    expect(claim).toMatch(/USING INDEX jobs_state_created/);
    expect(claim).not.toMatch(/TEMP B-TREE/);

    const insert = db.prepare(`INSERT INTO model_versions (id, state, created_at, record) VALUES (?, 'serving', 0, '{}')`);
    insert.run('a');
    expect(() => insert.run('b')).toThrow(/UNIQUE/);
    db.close();
  });

  it('stores a version row and its artifact in one transaction: a failed artifact insert leaves no row', async () => {
    const file = join(dir, 'atomic.db');
    await (await openStore(`sqlite:${file}`)).close();
    // An orphan artifact (possible only without foreign keys) makes the second insert of the pair fail.
    const db = new Database(file);
    db.pragma('foreign_keys = OFF');
    db.prepare(`INSERT INTO model_artifacts (id, bytes) VALUES ('mv-x', x'00')`).run();
    db.close();
    const store = await openStore(`sqlite:${file}`);
    await expect(store.addModelVersion(sampleModelVersion('mv-x'), Buffer.from('new'))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.getModelVersion('mv-x')).toBeNull();
    await store.close();
  });
});
