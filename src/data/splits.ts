import { CurioError } from '../core/index.js';
import { blockedItems } from './blocked.js';
import { filterEvents, userCount, type SequenceDataset } from './dataset.js';

/**
 * Held-out cases: case c belongs to user `users[c]` (an index into the split's `full` dataset), sees the
 * first `historyLengths[c]` events of that user as history, and must find the items
 * `targets[targetOffsets[c] .. targetOffsets[c + 1])`.
 */
export interface EvalCases {
  users: Int32Array;
  historyLengths: Int32Array;
  /** How the server would read each case, when the cases follow it; absent = the papers' reading. */
  served?: ServedReading;
  targetOffsets: Int32Array;
  targets: Int32Array;
}

/**
 * Cases read as the server serves them (`splitAtTimes` with a state length). Case c's state starts at event
 * `stateStarts[c]` of the user's sequence (the newest events, not the whole history), and the items
 * `blocked[blockedOffsets[c] .. blockedOffsets[c + 1])`, bought or disliked before the case, leave the
 * candidates and are never its targets: the server's rules never show them to the user again.
 */
export interface ServedReading {
  stateStarts: Int32Array;
  blockedOffsets: Int32Array;
  blocked: Int32Array;
}

export const SPLIT_KINDS = ['loo', 'time'] as const;
export type SplitKind = (typeof SPLIT_KINDS)[number];

/**
 * A train/validation/test split. `train` keeps the user numbering of `full` (every user, maybe with an
 * empty sequence), so a case's user index is also its row in `train`.
 */
export interface Split {
  kind: SplitKind;
  full: SequenceDataset;
  train: SequenceDataset;
  validation: EvalCases;
  test: EvalCases;
}

/** The number of cases. */
export function caseCount(cases: EvalCases): number {
  return cases.users.length;
}

/** The target items of case c (a view). */
export function caseTargets(cases: EvalCases, c: number): Int32Array {
  return cases.targets.subarray(cases.targetOffsets[c], cases.targetOffsets[c + 1]);
}

/**
 * Leave-one-out: per user the last event is the test target, the second-to-last the validation target,
 * the rest is training. Test history = all but the last event (it includes the validation item), as in
 * the S3-Rec / ICLRec code. Users with fewer than `minLength` (default 3) events stay in training only.
 */
export function leaveOneOut(full: SequenceDataset, options: { minLength?: number } = {}): Split {
  const minLength = options.minLength ?? 3;
  const val: number[][] = [[], [], []];
  const test: number[][] = [[], [], []];
  const nUsers = userCount(full);
  for (let u = 0; u < nUsers; u++) {
    const len = full.offsets[u + 1] - full.offsets[u];
    if (len < minLength) continue;
    val[0].push(u);
    val[1].push(len - 2);
    val[2].push(full.itemIdx[full.offsets[u] + len - 2]);
    test[0].push(u);
    test[1].push(len - 1);
    test[2].push(full.itemIdx[full.offsets[u] + len - 1]);
  }
  const train = filterEvents(
    full,
    (u, pos) => {
      const len = full.offsets[u + 1] - full.offsets[u];
      return len < minLength || pos < len - 2;
    },
    { keepEmptyUsers: true },
  );
  return { kind: 'loo', full, train, validation: singleTargetCases(val), test: singleTargetCases(test) };
}

function singleTargetCases([users, lengths, targets]: number[][]): EvalCases {
  return {
    users: Int32Array.from(users),
    historyLengths: Int32Array.from(lengths),
    targetOffsets: Int32Array.from({ length: users.length + 1 }, (_, k) => k),
    targets: Int32Array.from(targets),
  };
}

export interface TimeSplitOptions {
  /** Fraction of events (by time) before the validation cut. Default 0.8. */
  trainFraction?: number;
  /** Fraction of events before the test cut. Default 0.9. */
  testFraction?: number;
}

/**
 * Global time split: one validation cut and one test cut in time for everybody. Training = events
 * before the validation cut; a validation case = a user's distinct items in [cutV, cutT) with history
 * before cutV; a test case = distinct items from cutT on, with history before cutT.
 */
export function timeSplit(full: SequenceDataset, options: TimeSplitOptions = {}): Split {
  const times = Float64Array.from(full.timestampsMs).sort();
  if (times.length === 0 || Number.isNaN(times[times.length - 1])) {
    throw new CurioError('BAD_INPUT', 'a time split needs timestamps on every event; this data has order only (use loo)');
  }
  const cutV = times[Math.floor(times.length * (options.trainFraction ?? 0.8))];
  const cutT = times[Math.floor(times.length * (options.testFraction ?? 0.9))];
  return splitAtTimes(full, cutV, cutT);
}

export interface SplitAtTimesOptions {
  /**
   * A case's state is the newest `stateLength` events before its window, as the server reads a state, and
   * its targets are the window's items outside that state and not blocked (bought or disliked before, which
   * the server never shows again): an item met before the state can come back (a revisit) and counts.
   * Absent = the papers' reading: the whole history is the state, and a target the user met before is a
   * miss for every model.
   */
  stateLength?: number;
}

/**
 * A time split at given cuts: training = events before `validationFrom`; validation and test cases as in
 * `timeSplit`, with the windows [validationFrom, testFrom) and [testFrom, ∞).
 */
export function splitAtTimes(full: SequenceDataset, validationFrom: number, testFrom: number, options: SplitAtTimesOptions = {}): Split {
  const train = filterEvents(full, (u, pos) => full.timestampsMs[full.offsets[u] + pos] < validationFrom, { keepEmptyUsers: true });
  return {
    kind: 'time',
    full,
    train,
    validation: windowCases(full, validationFrom, testFrom, options.stateLength),
    test: windowCases(full, testFrom, Number.POSITIVE_INFINITY, options.stateLength),
  };
}

function windowCases(full: SequenceDataset, from: number, to: number, stateLength: number | undefined): EvalCases {
  const users: number[] = [];
  const lengths: number[] = [];
  const starts: number[] = [];
  const blockedOffsets: number[] = [0];
  const blocked: number[] = [];
  const offsets: number[] = [0];
  const targets: number[] = [];
  for (let u = 0; u < userCount(full); u++) {
    const first = full.offsets[u];
    let history = 0;
    while (first + history < full.offsets[u + 1] && full.timestampsMs[first + history] < from) history++;
    if (history === 0) continue; // a cold user has no history to rank from
    const start = stateLength === undefined ? 0 : Math.max(0, history - stateLength);
    const blocks = stateLength === undefined ? new Set<number>() : blockedItems(full, u, history);
    const seen = new Set<number>(stateLength === undefined ? [] : [...full.itemIdx.subarray(first + start, first + history), ...blocks]);
    const before = targets.length;
    for (let e = first + history; e < full.offsets[u + 1] && full.timestampsMs[e] < to; e++) {
      if (seen.has(full.itemIdx[e])) continue;
      seen.add(full.itemIdx[e]);
      targets.push(full.itemIdx[e]);
    }
    if (targets.length === before) continue;
    users.push(u);
    lengths.push(history);
    starts.push(start);
    blocked.push(...blocks);
    blockedOffsets.push(blocked.length);
    offsets.push(targets.length);
  }
  return {
    users: Int32Array.from(users),
    historyLengths: Int32Array.from(lengths),
    ...(stateLength === undefined
      ? {}
      : {
          served: {
            stateStarts: Int32Array.from(starts),
            blockedOffsets: Int32Array.from(blockedOffsets),
            blocked: Int32Array.from(blocked),
          },
        }),
    targetOffsets: Int32Array.from(offsets),
    targets: Int32Array.from(targets),
  };
}
