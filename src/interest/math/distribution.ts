/** Scores (may be negative) to a probability distribution over their positive parts; empty when none is positive. */
export function positiveShares(scores: ReadonlyMap<string, number>): Map<string, number> {
  let total = 0;
  for (const v of scores.values()) if (v > 0) total += v;
  const out = new Map<string, number>();
  if (total <= 0) return out;
  for (const [k, v] of scores) if (v > 0) out.set(k, v / total);
  return out;
}

/**
 * Jensen–Shannon divergence in bits (0 = same distribution, 1 = disjoint supports). Either side empty
 * gives 0: with no evidence on one side there is no measured drift.
 */
export function jensenShannon(p: ReadonlyMap<string, number>, q: ReadonlyMap<string, number>): number {
  if (p.size === 0 || q.size === 0) return 0;
  const keys = new Set([...p.keys(), ...q.keys()]);
  let d = 0;
  for (const k of keys) {
    const a = p.get(k) ?? 0;
    const b = q.get(k) ?? 0;
    const m = (a + b) / 2;
    if (a > 0) d += 0.5 * a * Math.log2(a / m);
    if (b > 0) d += 0.5 * b * Math.log2(b / m);
  }
  return Math.min(1, Math.max(0, d));
}

/** Median of a numeric list (0 for an empty one). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Rounds for JSON output so results stay readable. */
export function round(value: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
