import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** A process that stalls its event loop twice: 300 ms of its own work, then 300 ms blocked in a call. */
const STALLS = `
setTimeout(() => {
  const until = Date.now() + 300;
  while (Date.now() < until);
  setTimeout(() => {
    require('node:child_process').execSync('sleep 0.3');
    setTimeout(() => {}, 100);
  }, 200);
}, 300);
`;

interface StallLine {
  ms: number;
  main: { cpuMs: number; waitMs: number };
}

describe.runIf(existsSync('/proc/self/task'))('stall-watch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-stall-watch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tells a stall spent working from one spent blocked', () => {
    const out = join(dir, 'stalls.jsonl');
    const watcher = new URL('./stall-watch.ts', import.meta.url).pathname;
    execFileSync(process.execPath, ['--import', 'tsx', '--import', watcher, '-e', STALLS], {
      env: { ...process.env, STALL_WATCH_OUT: out, STALL_WATCH_MS: '100' },
    });
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StallLine);
    // A loaded machine may add stalls of its own: look for the two the process made.
    const long = lines.filter((l) => l.ms > 250);
    expect(long.some((l) => l.main.cpuMs > 200)).toBe(true);
    expect(long.some((l) => l.main.cpuMs < 100)).toBe(true);
  });
});
