import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../store/index.js';
import { register, simulateIntoStore } from './simulate.js';

const SMALL = { seed: 3, users: 60, items: 120, days: 5 };
const dir = mkdtempSync(join(tmpdir(), 'curio-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('simulateIntoStore', () => {
  it('writes every item and event through the Ingestor, idempotently', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const first = await simulateIntoStore(store, SMALL);
      expect(first.events).toBeGreaterThan(100);
      expect(first.accepted).toBe(first.events);
      const counts = await store.counts();
      expect(counts).toMatchObject({ items: 120, events: first.events });
      const again = await simulateIntoStore(store, SMALL);
      expect(again).toMatchObject({ accepted: 0, duplicates: first.events });
    } finally {
      await store.close();
    }
  });

  it('pseudonymises user ids when given a secret', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const result = await simulateIntoStore(store, { ...SMALL, idSecret: 'a-secret-of-16-chars-or-more' });
      const stored = await store.userEvents(result.shop.users[0].id);
      expect(stored).toEqual([]);
      expect((await store.counts()).events).toBe(result.events);
    } finally {
      await store.close();
    }
  });
});

describe('curio simulate --out', () => {
  it('writes items.jsonl, users.jsonl with true interests, and events.jsonl', async () => {
    const program = new Command().exitOverride();
    register(program);
    const log = console.log;
    console.log = () => {};
    try {
      await program.parseAsync(
        ['simulate', '--out', dir, '--seed', '3', '--users', '60', '--items', '120', '--days', '5', '--no-progress'],
        { from: 'user' },
      );
    } finally {
      console.log = log;
    }
    const items = lines('items.jsonl');
    const users = lines('users.jsonl');
    const events = lines('events.jsonl');
    expect(items).toHaveLength(120);
    expect(users).toHaveLength(60);
    expect(users[0].interestsAtStart[0]).toMatchObject({ categoryPath: expect.any(Array), weight: expect.any(Number) });
    expect(events[0].id).toBe('sim:3:1');
    const store = await openStore('sqlite::memory:');
    try {
      expect((await simulateIntoStore(store, SMALL)).events).toBe(events.length);
    } finally {
      await store.close();
    }
  });
});
