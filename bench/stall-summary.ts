/**
 * Sums up what `bench/stall-watch.ts` wrote: how much of the stalls the request thread spent on a CPU, waiting
 * for one, or blocked, in all and in those of at least `--long` ms, and what the process's other threads ran
 * meanwhile.
 *
 *   npm run bench:stall-summary -- <stall-watch-….jsonl> [--long 100] [--out bench/results/stall-watch.json]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

interface StallLine {
  at: string;
  ms: number;
  main: { cpuMs: number; waitMs: number };
  threads: Array<{ tid: number; cpuMs: number; waitMs: number }>;
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { long: { type: 'string', default: '100' }, out: { type: 'string' } },
});
if (positionals.length !== 1) throw new Error('usage: bench:stall-summary -- <stall-watch jsonl> [--long ms] [--out file]');
const lines = readFileSync(positionals[0], 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l, n) => {
    try {
      return JSON.parse(l) as StallLine;
    } catch {
      throw new Error(`${positionals[0]}:${n + 1}: not a stall-watch line`);
    }
  });

const round = (x: number) => Math.round(x);
function sum(stalls: StallLine[]) {
  const ms = stalls.reduce((s, l) => s + l.ms, 0);
  const cpuMs = stalls.reduce((s, l) => s + l.main.cpuMs, 0);
  const waitMs = stalls.reduce((s, l) => s + l.main.waitMs, 0);
  return {
    stalls: stalls.length,
    ms: round(ms),
    requestThread: { onCpuMs: round(cpuMs), waitingForCpuMs: round(waitMs), blockedMs: round(Math.max(0, ms - cpuMs - waitMs)) },
    shares: ms > 0 ? { onCpu: +(cpuMs / ms).toFixed(3), waitingForCpu: +(waitMs / ms).toFixed(3) } : null,
    otherThreadsCpuMs: round(stalls.reduce((s, l) => s + l.threads.reduce((t, x) => t + x.cpuMs, 0), 0)),
    longestMs: stalls.reduce((m, l) => Math.max(m, l.ms), 0),
  };
}

const long = Number(args.long);
const doc = { source: positionals[0], all: sum(lines), [`atLeast${long}Ms`]: sum(lines.filter((l) => l.ms >= long)) };
console.log(JSON.stringify(doc, null, 2));
if (args.out) {
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(doc, null, 2)}\n`);
}
