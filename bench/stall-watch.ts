/**
 * Stall anatomy for a server under a bench: preloaded into the server's process, a watcher thread sees each
 * stretch in which the request thread's event loop did not turn for `STALL_WATCH_MS` (40) and writes one JSON
 * line saying how the request thread spent it: on a CPU (its own work: requests, collections), waiting in
 * the run queue for one (runnable, but the cores were taken: by which of the process's other threads, or
 * by other processes), or neither (blocked in a call). A CPU profile cannot say this: a thread that is not
 * running takes no samples. Linux only (/proc/<pid>/task/<tid>/schedstat); elsewhere it does nothing.
 *
 *   npm run bench:serve-training -- --modes ann --runs 1 --seconds 60 \
 *     --server-node-args "--import tsx --import ./bench/stall-watch.ts"
 *
 * Lines go to `STALL_WATCH_OUT` (default: stall-watch-<pid>.jsonl in the system's temporary directory):
 * `{ at, monoUs, ms, main: { cpuMs, waitMs }, machine: { busyJiffies, idleJiffies }, threads: [{ tid, cpuMs, waitMs }] }`
 * (`monoUs`: the start on the monotonic clock a V8 CPU profile's timestamps count on),
 * where `threads` lists the process's other threads that ran or waited more than 2 ms meanwhile. The request
 * thread's and the machine's counters are read every 2 ms, the other threads' every 50 ms, so a stall is
 * covered from its start (the other threads' figures from up to 50 ms before it).
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The watcher's own code: plain JavaScript run with `eval`, as a worker does not inherit the tsx loader. */
const WATCHER = `
const { workerData } = require('node:worker_threads');
const { appendFileSync, readFileSync, readdirSync } = require('node:fs');
const { pid, beat: beatBuffer, thresholdMs, out } = workerData;
const beat = new Float64Array(beatBuffer);
const pause = new Int32Array(new SharedArrayBuffer(4));
// schedstat: nanoseconds on a CPU, nanoseconds runnable in the run queue, timeslices.
const sched = (tid) => {
  const [cpu, wait] = readFileSync('/proc/' + pid + '/task/' + tid + '/schedstat', 'utf8').split(' ').map(Number);
  return { cpuMs: cpu / 1e6, waitMs: wait / 1e6 };
};
const machine = () => {
  const f = readFileSync('/proc/stat', 'utf8').split('\\n')[0].trim().split(/\\s+/).slice(1).map(Number);
  return { busy: f[0] + f[1] + f[2] + f[5] + f[6] + f[7], idle: f[3] + f[4] };
};
const threads = () => {
  const all = new Map();
  for (const tid of readdirSync('/proc/' + pid + '/task')) {
    try { all.set(tid, sched(tid)); } catch { /* ended meanwhile */ }
  }
  return all;
};
const round = (x) => Math.round(x * 10) / 10;
// performance.now() counts from this thread's start; hrtime is the system's monotonic clock, as profiles use.
const monoOffsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
let before = { main: sched(pid), machine: machine(), threads: threads() };
let stall = null;
for (let turn = 1; ; turn++) {
  Atomics.wait(pause, 0, 0, 2);
  if (beat[0] === 0) continue;
  const behind = performance.timeOrigin + performance.now() - beat[0];
  if (!stall) {
    if (behind > thresholdMs) stall = { at: beat[0], ...before };
    // Every thread's counters are read every 50 ms only (a read per thread costs more than the main thread's).
    else if (behind < 5) before = { main: sched(pid), machine: machine(), threads: turn % 25 === 0 ? threads() : before.threads };
    continue;
  }
  if (behind > 5) continue;
  const main = sched(pid);
  const m = machine();
  const others = [];
  for (const [tid, t] of threads()) {
    const was = stall.threads.get(tid) ?? { cpuMs: 0, waitMs: 0 };
    const cpuMs = t.cpuMs - was.cpuMs;
    const waitMs = t.waitMs - was.waitMs;
    if (tid !== String(pid) && (cpuMs > 2 || waitMs > 2)) others.push({ tid: Number(tid), cpuMs: round(cpuMs), waitMs: round(waitMs) });
  }
  const line = {
    at: new Date(stall.at).toISOString(),
    // The monotonic clock in µs (V8's CPU profiles count on it): where the stall starts in a profile of the run.
    monoUs: Math.round((stall.at - performance.timeOrigin) * 1000 + monoOffsetUs),
    ms: Math.round(beat[0] - stall.at),
    main: { cpuMs: round(main.cpuMs - stall.main.cpuMs), waitMs: round(main.waitMs - stall.main.waitMs) },
    machine: { busyJiffies: m.busy - stall.machine.busy, idleJiffies: m.idle - stall.machine.idle },
    threads: others,
  };
  appendFileSync(out, JSON.stringify(line) + '\\n');
  stall = null;
  before = { main, machine: m, threads: threads() };
}
`;

if (existsSync(`/proc/${process.pid}/task/${process.pid}/schedstat`)) {
  const beat = new Float64Array(new SharedArrayBuffer(8));
  // The heartbeat: the time of the loop's newest turn, which the watcher reads without the loop's help.
  setInterval(() => (beat[0] = performance.timeOrigin + performance.now()), 1).unref();
  const out = process.env.STALL_WATCH_OUT ?? join(tmpdir(), `stall-watch-${process.pid}.jsonl`);
  const thresholdMs = Number(process.env.STALL_WATCH_MS ?? 40);
  new Worker(WATCHER, { eval: true, workerData: { pid: process.pid, beat: beat.buffer, thresholdMs, out } }).unref();
}
