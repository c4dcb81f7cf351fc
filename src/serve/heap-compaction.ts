import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * When the old generation is worth compacting. Under steady load V8 never sees the idle time its memory
 * reducer waits for, and the full collections it starts by itself evacuate only nearly empty pages: entries
 * that churn in long-lived caches (per-shopper state, remembered slates) leave pages partly used, and the
 * committed old space creeps upward around a flat live set, which is RSS growth without end. A full
 * compacting collection asked for from a timer moves the live objects together; asked for only when the free
 * share is large, the old space has grown since the last one, and at most every few minutes, it is one pause
 * of a few hundred milliseconds in ten minutes or more.
 */
export interface CompactionPolicy {
  /**
   * `whole`: every fragmented page in one collection (rare pauses of a few hundred milliseconds); `pages`: a
   * collection in V8's memory-saving mode, which evacuates only a few megabytes of the emptiest pages (more
   * frequent, shorter pauses).
   */
  mode: CompactionMode;
  /** Compact when the old space's free bytes reach this share of its live bytes… */
  freeShare: number;
  /** …and at least this many bytes, so a small heap is never collected for a few pages. */
  minFreeBytes: number;
  /** Growth of the committed size since the last compaction left it (more after one that freed little). */
  minGrowthBytes: number;
  /** Never more often than this. */
  minIntervalMs: number;
}

export type CompactionMode = 'whole' | 'pages';

const MB = 1024 * 1024;

export const COMPACTION_POLICIES: Record<CompactionMode, CompactionPolicy> = {
  whole: { mode: 'whole', freeShare: 0.25, minFreeBytes: 16 * MB, minGrowthBytes: 16 * MB, minIntervalMs: 3 * 60_000 },
  pages: { mode: 'pages', freeShare: 0.25, minFreeBytes: 16 * MB, minGrowthBytes: 0, minIntervalMs: 60_000 },
};

export const DEFAULT_COMPACTION = COMPACTION_POLICIES.whole;

/** The old space's committed and live bytes. */
export interface OldSpace {
  committedBytes: number;
  usedBytes: number;
}

export function oldSpace(): OldSpace {
  const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
  return { committedBytes: old?.space_size ?? 0, usedBytes: old?.space_used_size ?? 0 };
}

/** The last compaction: when, what it left committed, and whether it freed next to nothing. */
export interface LastCompaction {
  sinceMs: number;
  committedAfterBytes: number;
  futile: boolean;
}

/**
 * Whether the policy asks for a compaction now: the old space has a large free share, it has grown since the
 * last compaction left it (by `minFreeBytes` after one that freed next to nothing: asking again for what a
 * collection would not move is a pause for nothing), and the interval has passed.
 */
export function compactionDue(space: OldSpace, last: LastCompaction, policy: CompactionPolicy = DEFAULT_COMPACTION): boolean {
  const free = space.committedBytes - space.usedBytes;
  const growth = last.futile ? Math.max(policy.minGrowthBytes, policy.minFreeBytes) : policy.minGrowthBytes;
  return (
    last.sinceMs >= policy.minIntervalMs &&
    free >= policy.minFreeBytes &&
    free >= policy.freeShare * space.usedBytes &&
    space.committedBytes >= last.committedAfterBytes + growth
  );
}

let exposed: (() => void) | null | undefined;

/**
 * V8's full collection, without the process having been started with `--expose-gc`: the flag, set at run
 * time, installs `gc` in contexts created afterwards, so one new context hands it over and the server's own
 * global scope stays as it was. Null where the engine refuses.
 */
function exposedCollection(): (() => void) | null {
  if (exposed !== undefined) return exposed;
  let gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc');
    } catch {
      gc = null;
    }
  }
  return (exposed = typeof gc === 'function' ? (gc as () => void) : null);
}

/** The V8 flag that makes a full collection compact as the mode asks; V8 reads it when the collection picks its pages. */
const MODE_FLAG: Record<CompactionMode, string> = { whole: 'compact-on-every-full-gc', pages: 'optimize-for-size' };

/**
 * A compacting full collection. A full collection alone evacuates only pages that are mostly free (V8 keeps
 * its pauses short that way), which leaves a heap of two-thirds-full pages as it is, so the mode's flag is on
 * for that one collection and off again before it returns (left on when the process was started with it).
 * Null where no collection can be asked for.
 */
export function fullCollection(mode: CompactionMode = 'whole'): (() => void) | null {
  const collect = exposedCollection();
  if (!collect) return null;
  const flag = MODE_FLAG[mode];
  const pattern = new RegExp(`--${flag.replaceAll('-', '[-_]')}\\b`);
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => pattern.test(a))) return collect;
  return () => {
    setFlagsFromString(`--${flag}`);
    try {
      collect();
    } finally {
      setFlagsFromString(`--no-${flag}`);
    }
  };
}

/** What one compaction did, for the log and the metrics. */
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
  const policy = options.policy ?? DEFAULT_COMPACTION;
  const gc = fullCollection(policy.mode);
  if (!gc) return null;
  let at = performance.now();
  let last: LastCompaction = { sinceMs: 0, committedAfterBytes: 0, futile: false };
  const timer = setInterval(() => {
    const before = oldSpace();
    if (!compactionDue(before, { ...last, sinceMs: performance.now() - at }, policy)) return;
    const started = performance.now();
    gc();
    const after = oldSpace();
    at = performance.now();
    last = {
      sinceMs: 0,
      committedAfterBytes: after.committedBytes,
      futile: before.committedBytes - after.committedBytes < policy.minFreeBytes / 8,
    };
    onCompaction({ before, after, ms: at - started });
  }, options.checkMs ?? 30_000).unref();
  return () => clearInterval(timer);
}
