import { z } from 'zod';

/** Reward evidence for one arm: summed rewards and summed non-rewards (fractional rewards allowed). */
export interface Counts {
  successes: number;
  failures: number;
}

export const CountsTable = z.record(z.string(), z.tuple([z.number().min(0), z.number().min(0)]));

/** Adds one outcome; a reward for an impression already counted turns one failure into that reward. */
export function addOutcome(table: Map<string, Counts>, key: string, reward: number, impression: boolean): void {
  const r = Math.min(1, Math.max(0, reward));
  const c = table.get(key) ?? { successes: 0, failures: 0 };
  c.successes += r;
  c.failures = impression ? c.failures + (1 - r) : Math.max(0, c.failures - r);
  table.set(key, c);
}

/** JSON-safe form: key → [successes, failures]. */
export function countsToJson(table: Map<string, Counts>): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [k, c] of table) out[k] = [c.successes, c.failures];
  return out;
}

/** Inverse of `countsToJson`. */
export function countsFromJson(json: Record<string, [number, number]>): Map<string, Counts> {
  return new Map(Object.entries(json).map(([k, [s, f]]) => [k, { successes: s, failures: f }]));
}
