/**
 * Quantiles of Prometheus-style cumulative histograms. Dependency-free, so the console (web/) uses the same
 * function on what it scrapes from /metrics as the server uses on its own histograms.
 */

/** The q-quantile of a cumulative histogram, interpolated within its bucket; the last finite bound when it falls beyond. */
export function histogramQuantile(buckets: ReadonlyArray<{ le: number; count: number }>, q: number): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let previous = { le: 0, count: 0 };
  for (const b of buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return previous.le;
      const inBucket = b.count - previous.count;
      return previous.le + (inBucket > 0 ? ((rank - previous.count) / inBucket) * (b.le - previous.le) : 0);
    }
    previous = b;
  }
  return previous.le;
}
