import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** How far below request handling a job process got: SCHED_IDLE, nice 19, or neither (not permitted). */
export type JobPriority = 'idle' | 'nice' | 'unchanged';

/**
 * Puts every thread of this process below the serving process's. On Linux a nice value is per thread, and
 * V8's garbage-collection helpers and OpenBLAS's workers exist before the job's code runs, so renicing
 * the main thread alone leaves them competing with requests at full weight. SCHED_IDLE (through util-linux
 * `chrt`, on every thread) is stronger than nice 19: a waking request thread preempts an idle-policy
 * thread at once instead of after the scheduler's wake-up granularity. Threads started later inherit
 * the policy from the thread that starts them.
 */
export function lowerJobPriority(): JobPriority {
  try {
    execFileSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
    return 'idle';
  } catch {
    // no chrt, or not Linux: nice every thread instead
  }
  let niced = false;
  for (const tid of threads()) {
    try {
      setPriority(tid, 19);
      niced = true;
    } catch {
      // not permitted, or the thread has ended
    }
  }
  return niced ? 'nice' : 'unchanged';
}

/** This process's thread ids (Linux), or just the process (elsewhere, where its nice value is the process's). */
function threads(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}
