import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'curio-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('curio demo', () => {
  it('simulates a shop, serves it, and the printed key reads a simulated user', async () => {
    const child = spawn(
      process.execPath,
      [
        'bin/curio.js',
        'demo',
        '--store',
        `sqlite:${join(dir, 'demo.db')}`,
        '--port',
        '0',
        '--users',
        '200',
        '--items',
        '150',
        '--days',
        '5',
      ],
      {
        cwd: new URL('..', import.meta.url),
        env: { ...process.env, CURIO_API_KEYS: '', CURIO_LOG_LEVEL: 'silent' },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 90_000; // the demo trains a small image encoder first (at most 20 s)
      while (!/Press Ctrl-C/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/Press Ctrl-C/);
      const url = /Curio is running at (http:\/\/\S+)/.exec(out)![1];
      const key = /API key\s+(demo-[0-9a-f]+)/.exec(out)![1];
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const db = new Database(join(dir, 'demo.db'), { readonly: true });
      const { user_id: user } = db.prepare('SELECT user_id FROM events LIMIT 1').get() as { user_id: string };
      db.close();
      expect((await fetch(`${url}/v1/users/${user}/events`)).status).toBe(401);
      const res = await fetch(`${url}/v1/users/${user}/events?limit=3`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { events: Array<{ userId: string }> };
      expect(body.events.every((e) => e.userId === user)).toBe(true);
      expect(res.status).toBe(200);
      expect(body.events.length).toBeGreaterThan(0);
      expect((await fetch(`${url}/docs/`)).status).toBe(200);
      // Every URL the demo prints answers, the recommendations example included.
      const printed = [...out.matchAll(/'?(http:\/\/[^\s')]+)'?/g)]
        .map((m) => m[1])
        .filter((u) => !u.includes('/v1/events') && !u.includes('/by-picture')); // POST examples
      expect(printed.some((u) => u.includes('/recommendations'))).toBe(true);
      for (const u of printed) expect([u, (await fetch(u, { headers: { authorization: `Bearer ${key}` } })).status]).toEqual([u, 200]);
      const slate = (await (
        await fetch(`${url}/v1/users/u1/recommendations?n=5`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as { items: unknown[] };
      expect(slate.items).toHaveLength(5);
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});
