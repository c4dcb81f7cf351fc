import { CurioError } from '../core/index.js';
import { splitAtTimes, type SequenceDataset, type Split } from '../data/index.js';

/** Where a training job cuts its events in time, and why. */
export interface LoopSplit {
  split: Split;
  /** Training = events before this; validation = [validationFrom, holdoutFrom); the gate's holdout = from holdoutFrom on. */
  validationFrom: number;
  holdoutFrom: number;
  /** `since-serving`: the events newer than anything the serving version trained on; `newest`: the newest `holdoutFraction`. */
  basis: 'since-serving' | 'newest';
}

export interface LoopSplitOptions {
  /** The newest event the serving version trained on (ms), or null when none serves. */
  servingLastEventMs: number | null;
  holdoutFraction: number;
  validationFraction: number;
  /** Fewest events since the serving version for those to be the holdout on their own. */
  minHoldoutEvents: number;
  /** A case's state: the newest this many events, as the server reads it (`serving.historyLength`). */
  stateLength: number;
}

/**
 * The gate must compare versions on events neither has trained on: the events that arrived after the
 * serving version's window, when there are enough of them; else (a first training, or too few new events)
 * the newest `holdoutFraction`, which the serving version may have seen — a bias in its favour, so the
 * gate errs towards keeping what serves. Validation is the newest slice before the holdout. Both read a
 * case as the server will serve it: the state is the user's newest events, and an item met before that
 * window is a target a model can win (shoppers come back to what they saw), not a miss for all.
 */
export function loopSplit(ds: SequenceDataset, options: LoopSplitOptions): LoopSplit {
  const times = Float64Array.from(ds.timestampsMs).sort();
  if (times.length === 0 || !Number.isFinite(times[times.length - 1])) {
    throw new CurioError('BAD_INPUT', 'the learning loop needs a time on every event');
  }
  const quantile = (end: number, fraction: number) => times[Math.min(end - 1, Math.max(0, Math.floor(end * (1 - fraction))))];
  let holdoutFrom = quantile(times.length, options.holdoutFraction);
  let basis: LoopSplit['basis'] = 'newest';
  if (options.servingLastEventMs !== null) {
    const firstNew = upperBound(times, options.servingLastEventMs);
    if (times.length - firstNew >= options.minHoldoutEvents) {
      holdoutFrom = times[firstNew];
      basis = 'since-serving';
    }
  }
  const before = lowerBound(times, holdoutFrom);
  const validationFrom = before > 0 ? quantile(before, options.validationFraction) : holdoutFrom;
  return { split: splitAtTimes(ds, validationFrom, holdoutFrom, { stateLength: options.stateLength }), validationFrom, holdoutFrom, basis };
}

/** The first index whose time is >= t. */
function lowerBound(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose time is > t. */
function upperBound(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
