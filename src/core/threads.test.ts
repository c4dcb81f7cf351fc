import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE } from './threads.js';

/** In a child process (the test runner's threads keep their priority): lower, then read every thread's nice value. */
const CHILD = `
import { readFileSync, readdirSync } from 'node:fs';
const { lowerOtherThreads } = await import(process.argv[1]);
const lowered = lowerOtherThreads();
const nices = readdirSync('/proc/self/task').map((tid) => {
  // /proc/<pid>/task/<tid>/stat: after the name in parentheses, field 19 of the line (index 16) is the nice value.
  const fields = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').replace(/^.*\\) /s, '').split(' ');
  return { tid: Number(tid), nice: Number(fields[16]) };
});
console.log(JSON.stringify({ lowered, nices, self: process.pid }));
process.exit(0);
`;

describe.runIf(existsSync('/proc/thread-self'))('lowerOtherThreads', () => {
  it("puts the process's other threads (V8's workers) below the calling thread, which keeps its priority", () => {
    const module = new URL('./threads.ts', import.meta.url).pathname;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, module], { encoding: 'utf8' });
    const { lowered, nices, self } = JSON.parse(out) as { lowered: number; nices: Array<{ tid: number; nice: number }>; self: number };
    expect(lowered).toBeGreaterThanOrEqual(4); // V8's platform workers at least
    expect(nices.find((t) => t.tid === self)?.nice).toBe(0);
    const others = nices.filter((t) => t.tid !== self);
    expect(others.length).toBe(lowered);
    expect(others.every((t) => t.nice === BACKGROUND_NICE)).toBe(true);
  });
});
