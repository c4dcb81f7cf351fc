import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fromLittleEndian, PackedFloats } from '../../core/index.js';
import { openStore } from '../open.js';
import { describeStore, sampleEvent, sampleItem } from '../store.case.js';
import { MIGRATIONS } from './migrations.js';

describeStore('sqlite (memory)', () => openStore('sqlite::memory:'));

const dir = mkdtempSync(join(tmpdir(), 'curio-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
describeStore('sqlite (file, WAL)', () => openStore(`sqlite:${join(dir, `s${n++}.db`)}`));
describeStore('sqlite (file, writer thread)', () => openStore(`sqlite:${join(dir, `w${n++}.db`)}`, { backgroundWrites: true }));

describe('sqlite writer thread', () => {
  it('commits concurrent appends while the main connection writes, without busy errors or lost rows', async () => {
    const store = await openStore(`sqlite:${join(dir, 'writer-mixed.db')}`, { backgroundWrites: true });
    const appends: Array<Promise<unknown>> = [];
    for (let b = 0; b < 40; b++) {
      appends.push(store.appendEvents(Array.from({ length: 50 }, (_, i) => sampleEvent(`b${b}-${i}`, { userId: `u${i % 7}` }))));
      // Read-then-write transactions on the main connection between the writer's commits.
      await store.upsertUser({ id: `u${b}`, consent: { tracking: b % 2 === 0 } });
      await store.upsertItems([sampleItem(`i${b}`)]);
    }
    const results = (await Promise.all(appends)) as Array<{ accepted: number }>;
    expect(results.every((r) => r.accepted === 50)).toBe(true);
    // A repeated batch is recognised as duplicates through the writer, too.
    expect(await store.appendEvents([sampleEvent('b0-1'), sampleEvent('fresh')])).toEqual({
      accepted: 1,
      duplicates: 1,
      duplicateIds: ['b0-1'],
    });
    expect(await store.counts()).toEqual({ items: 40, users: 40, events: 2001 });
    await store.close();
  });

  it('moves a handed-over packed array to the writer thread instead of copying it, and stores its numbers', async () => {
    const store = await openStore(`sqlite:${join(dir, 'writer-handover.db')}`, { backgroundWrites: true });
    const handed = Float64Array.from({ length: 1000 }, (_, i) => i / 7);
    const expected = handed.slice();
    const kept = Float64Array.of(1, 2, 3);
    await store.putState('beliefs', { handed: new PackedFloats(handed, { handOver: true }), kept: new PackedFloats(kept) });
    expect(handed.length).toBe(0); // moved, not copied
    expect(Array.from(kept)).toEqual([1, 2, 3]); // not handed over: the caller keeps it
    // Saved again, the moved array is empty: it is stored as such, not posted a second time (which would throw).
    const again = new PackedFloats(handed, { handOver: true });
    await store.putState('again', { again });
    expect(await store.getState('again')).toEqual({ again: '' });
    const back = (await store.getState('beliefs')) as { handed: string; kept: string };
    expect(fromLittleEndian(Buffer.from(back.handed, 'base64'), 'handed')).toEqual(expected);
    expect(fromLittleEndian(Buffer.from(back.kept, 'base64'), 'kept')).toEqual(kept);
    await store.close();
  });

  it("erasure waits for writes already posted, so none of the erased user's rows land after it", async () => {
    const store = await openStore(`sqlite:${join(dir, 'writer-erase.db')}`, { backgroundWrites: true });
    const posted = store.appendEvents(Array.from({ length: 2000 }, (_, i) => sampleEvent(`e${i}`, { userId: i % 2 ? 'gone' : 'kept' })));
    const erased = await store.eraseUser('gone');
    await posted;
    expect(erased.events).toBe(1000);
    expect(await store.userEvents('gone')).toEqual([]);
    expect((await store.userEvents('kept')).length).toBe(1000);
    await store.close();
  });

  it('a process can exit on its own once its writes are acknowledged (the idle writer is unreferenced)', async () => {
    const path = join(dir, 'writer-exit.db');
    const script = `
      const { openStore } = await import(${JSON.stringify(new URL('../open.ts', import.meta.url).href)});
      const store = await openStore('sqlite:' + ${JSON.stringify(path)}, { backgroundWrites: true });
      const r = await store.appendEvents([{ id: 'x1', userId: 'u', itemId: 'i', type: 'view', value: null, timestamp: 1, sessionId: null, context: {} }]);
      console.log(JSON.stringify(r));`;
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(JSON.parse(out.trim())).toEqual({ accepted: 1, duplicates: 0, duplicateIds: [] });
    const db = new Database(path, { readonly: true });
    expect((db.prepare('SELECT count(*) n FROM events').get() as { n: number }).n).toBe(1);
    db.close();
  });
});

describe('sqlite adapter', () => {
  it('uses WAL and records every migration once, surviving reopen', async () => {
    const path = join(dir, 'reopen.db');
    const store = await openStore(`sqlite:${path}`);
    await store.appendEvents([sampleEvent('e1')]);
    await store.close();
    const again = await openStore(`sqlite:${path}`);
    expect((await again.counts()).events).toBe(1);
    await again.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    db.close();
  });

  it('with backgroundCheckpoints, a worker copies committed WAL pages into the database file', async () => {
    const sizes: Record<string, number> = {};
    for (const background of [false, true]) {
      const path = join(dir, `checkpoint-${background}.db`);
      const store = await openStore(`sqlite:${path}`, { backgroundCheckpoints: background });
      const before = statSync(path).size;
      // Well under the 10,000-page autocheckpoint: without the worker the pages stay in the WAL.
      await store.appendEvents(Array.from({ length: 3000 }, (_, i) => sampleEvent(`e${i}`, { userId: `u${i % 50}` })));
      // Two checkpoint intervals (200 ms) for the store without a worker; up to 3 s for the one with it.
      const limitMs = background ? 3000 : 400;
      for (let waited = 0; waited < limitMs && statSync(path).size === before; waited += 50) await new Promise((r) => setTimeout(r, 50));
      sizes[String(background)] = statSync(path).size - before;
      expect((await store.counts()).events).toBe(3000);
      await store.close();
    }
    expect(sizes.false).toBe(0);
    expect(sizes.true).toBeGreaterThan(100_000);
  });

  it('close() waits for the checkpointer to stop even when nothing else keeps the process alive', async () => {
    const script = `
      const { openStore } = await import(${JSON.stringify(new URL('../open.ts', import.meta.url).href)});
      const store = await openStore('sqlite:' + ${JSON.stringify(join(dir, 'checkpointer-close.db'))}, { backgroundCheckpoints: true });
      await store.close();
      console.log('closed');`;
    const { execFileSync } = await import('node:child_process');
    // An unsettled top-level await would end the process with code 13 before printing (execFileSync throws).
    expect(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
      }).trim(),
    ).toBe('closed');
  });

  it('rejects unknown URL schemes with a clear error', async () => {
    await expect(openStore('mysql://x')).rejects.toThrow(/unknown store URL scheme "mysql"/);
  });
});

describe('sqlite bulk load', () => {
  it('suspends the read indexes during a large load and restores them after, even when it fails', async () => {
    const path = join(dir, 'bulk.db');
    const store = await openStore(`sqlite:${path}`);
    const indexes = () => {
      const db = new Database(path, { readonly: true });
      const names = (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL").all() as Array<{
          name: string;
        }>
      )
        .map((r) => r.name)
        .sort();
      db.close();
      return names;
    };
    expect(indexes()).toEqual(['events_time', 'events_user_time', 'events_user_type_time']);
    await expect(
      store.bulkLoad(1_000_000, async () => {
        expect(indexes()).toEqual([]);
        throw new Error('import failed');
      }),
    ).rejects.toThrow('import failed');
    expect(indexes()).toEqual(['events_time', 'events_user_time', 'events_user_type_time']);
    await store.bulkLoad(1000, async () => expect(indexes()).toEqual(['events_time', 'events_user_time', 'events_user_type_time']));
    await store.close();
  });
});
