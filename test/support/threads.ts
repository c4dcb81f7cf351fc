import { existsSync, readFileSync, readdirSync } from 'node:fs';

/** Whether this system lists a process's threads and their nice values (Linux's /proc). */
export const THREADS_VISIBLE = existsSync('/proc/self/task');

/** The nice value of each of this process's threads, by thread id (Linux). */
export function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      // /proc/<pid>/task/<tid>/stat: after the name in parentheses, field 19 of the line (index 16) is the nice value.
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      nices.set(Number(tid), Number(fields[16]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return nices;
}
