import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * When the old generation is worth compacting. Under steady load V8 never sees the idle time its memory
 * reducer waits for, and the full collections it starts by itself evacuate only nearly empty pages: entries
 * that churn in long-lived caches (per-shopper state, remembered slates) leave pages partly used, and the
 * committed old space creeps upward around a flat live set, which is RSS growth without end. A full
 * compacting collection asked for from a timer moves the live objects together; asked for only when the free
 * share is large, the old space has grown since the last one, and at most every few minutes, it trades growth
 * without end for a pause now and then (docs/serving.md, "Memory against tail latency").
 */
export interface CompactionPolicy {
  /** Compact when the old space's free bytes reach this share of its live bytes… */
  freeShare: number;
  /** …and at least this many bytes, so a small heap is never collected for a few pages. */
  minFreeBytes: number;
  /** Never more often than this. */
  minIntervalMs: number;
}

export const DEFAULT_COMPACTION: CompactionPolicy = {
  freeShare: 0.25,
  minFreeBytes: 16 * 1024 * 1024,
  minIntervalMs: 3 * 60_000,
};

/** The old space's committed and live bytes. */
export interface OldSpace {
  committedBytes: number;
  usedBytes: number;
}

export function oldSpace(): OldSpace {
  const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
  return { committedBytes: old?.space_size ?? 0, usedBytes: old?.space_used_size ?? 0 };
}

/**
 * Whether the policy asks for a compaction now: the old space has a large free share, it has grown by at
 * least `minFreeBytes` since the last compaction left it at `committedAfterBytes` (one full collection
 * evacuates only so many pages, and asking again for what it would not move is a pause for nothing), and
 * the interval has passed.
 */
export function compactionDue(
  space: OldSpace,
  last: { sinceMs: number; committedAfterBytes: number },
  policy: CompactionPolicy = DEFAULT_COMPACTION,
): boolean {
  const free = space.committedBytes - space.usedBytes;
  return (
    last.sinceMs >= policy.minIntervalMs &&
    free >= policy.minFreeBytes &&
    free >= policy.freeShare * space.usedBytes &&
    space.committedBytes >= last.committedAfterBytes + policy.minFreeBytes
  );
}

let collector: (() => void) | null | undefined;

/**
 * A compacting full collection of V8's heap, without the process having been started with `--expose-gc`:
 * the flag, set at run time, installs `gc` in contexts created afterwards, so one new context hands it over
 * and the server's own global scope stays as it was. A full collection alone evacuates only pages that are
 * mostly free (V8 keeps its pauses short that way), which leaves a heap of two-thirds-full pages as it is,
 * so `--compact-on-every-full-gc` is on for that one collection and off again before it returns: V8 reads
 * it when the collection picks its pages. Null where the engine refuses.
 */
export function fullCollection(): (() => void) | null {
  if (collector !== undefined) return collector;
  let gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc');
    } catch {
      gc = null;
    }
  }
  if (typeof gc !== 'function') return (collector = null);
  const collect = gc as () => void;
  // Started with the flag (docs/serving.md), every full collection compacts already: leave it on.
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /--compact[-_]on[-_]every[-_]full[-_]gc/.test(a)))
    return (collector = collect);
  collector = () => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      collect();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
  return collector;
}

/** What one compaction did, for the log. */
export interface Compaction {
  before: OldSpace;
  after: OldSpace;
  ms: number;
}

/**
 * Checks the old space every `checkMs` and compacts it when the policy says so; `onCompaction` hears of each.
 * Returns the stop function, or null where no full collection can be asked for.
 */
export function startHeapCompaction(
  onCompaction: (c: Compaction) => void,
  options: { checkMs?: number; policy?: CompactionPolicy } = {},
): (() => void) | null {
  const gc = fullCollection();
  if (!gc) return null;
  const policy = options.policy ?? DEFAULT_COMPACTION;
  let last = { at: performance.now(), committedAfterBytes: 0 };
  const timer = setInterval(() => {
    const before = oldSpace();
    if (!compactionDue(before, { sinceMs: performance.now() - last.at, committedAfterBytes: last.committedAfterBytes }, policy)) return;
    const started = performance.now();
    gc();
    const after = oldSpace();
    last = { at: performance.now(), committedAfterBytes: after.committedBytes };
    onCompaction({ before, after, ms: last.at - started });
  }, options.checkMs ?? 30_000).unref();
  return () => clearInterval(timer);
}
