/**
 * k-anonymity for what Curio publishes about groups of users (segments, the audience of an item): a group
 * of fewer than k users is not shown, because its figures describe a handful of people (a segment of one
 * is one shopper's spend). What is left out is counted, never dropped without a trace.
 */

/** The groups that may be shown, and how many were suppressed. */
export interface Suppression<T> {
  shown: T[];
  /** Groups left out for being smaller than `minGroupSize`. */
  suppressed: number;
}

/** Whether a group of `users` may be shown; `minGroupSize` 0 or 1 shows every group. */
export function largeEnough(users: number, minGroupSize: number): boolean {
  return users >= minGroupSize;
}

/**
 * Keeps the groups of at least `minGroupSize` users, in their order. `users` is the size the decision is
 * made on: the published (noised) size when counts are differentially private, so that the suppression is
 * post-processing of a private release rather than a second look at the exact count.
 */
export function suppressSmallGroups<T>(groups: readonly T[], users: (group: T) => number, minGroupSize: number): Suppression<T> {
  const shown = groups.filter((g) => largeEnough(users(g), minGroupSize));
  return { shown, suppressed: groups.length - shown.length };
}
