import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** In a child process (the policy must not reach the test runner's threads): lower, then read every thread's policy. */
const CHILD = `
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
const { lowerJobPriority } = await import(process.argv[1]);
const priority = lowerJobPriority();
// A thread started afterwards inherits the policy from the thread that starts it.
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((resolve) => worker.once('online', resolve));
// /proc/<pid>/task/<tid>/stat: field 41 is the scheduling policy (0 normal, 5 SCHED_IDLE), 19 the nice value.
const threads = readdirSync('/proc/self/task').map((tid) => {
  const fields = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').replace(/^.*\\) /, '').split(' ');
  return { policy: Number(fields[38]), nice: Number(fields[16]) };
});
console.log(JSON.stringify({ priority, threads }));
process.exit(0);
`;

describe.runIf(existsSync('/proc/self/task'))('lowerJobPriority', () => {
  it('puts every thread of the process, and threads started later, below serving', () => {
    const module = new URL('./priority.ts', import.meta.url).pathname;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, module], { encoding: 'utf8' });
    const { priority, threads } = JSON.parse(out) as { priority: string; threads: Array<{ policy: number; nice: number }> };
    expect(threads.length).toBeGreaterThan(4); // V8's and libuv's threads, the worker's
    if (priority === 'idle') expect(threads.every((t) => t.policy === 5)).toBe(true);
    else {
      expect(priority).toBe('nice');
      expect(threads.every((t) => t.nice === 19)).toBe(true);
    }
  });
});
