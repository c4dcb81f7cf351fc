import type { SegmentSummary } from '../../interest/index.js';
import { countPrivacy, cryptoNoiseSource, laplaceScale, noisyCount, suppressSmallGroups, type NoiseSource } from '../../privacy/index.js';

/** How segment sizes are published (`privacy.minGroupSize`, `privacy.epsilon`). */
export interface SegmentPublishing {
  minGroupSize: number;
  /** null: exact sizes. */
  epsilon: number | null;
  /** Where the noise comes from; the operating system's CSPRNG by default (tests pass a seeded one). */
  noise?: NoiseSource;
}

/** The noise a release of segment sizes carries. */
export interface SizeNoise {
  epsilon: number;
  /** One user changes the size vector by at most this much in L1: they are in exactly one segment. */
  sensitivity: 1;
  /** Laplace scale b = sensitivity / ε. */
  scale: number;
}

/** What `/v1/segments` and its CSV show of a segmentation: drawn once per build, so repeated reads cannot average the noise away. */
export interface PublishedSegments {
  /** The segments shown, with their published size and share. */
  segments: SegmentSummary[];
  /** Segment numbers suppressed (fewer than `minGroupSize` users by their published size). */
  hidden: ReadonlySet<number>;
  suppressed: number;
  /** Users in the shown segments, by their published sizes. */
  users: number;
  noise: SizeNoise | null;
}

/**
 * Segment summaries as Curio publishes them: with `epsilon`, each size gets Laplace noise of scale 1/ε
 * (one release of ε per build; the share follows from the noised sizes, post-processing), and segments
 * whose published size is below `minGroupSize` are suppressed. Only sizes and shares are noised: the
 * other figures of a shown segment (order value, conversion, medians) are exact over at least k users.
 */
export function publishSegments(summaries: readonly SegmentSummary[], options: SegmentPublishing): PublishedSegments {
  const privacy = countPrivacy(options.epsilon ?? 'off', 1);
  const exact = privacy.mode === 'exact';
  const source = options.noise ?? cryptoNoiseSource;
  const sized = exact ? [...summaries] : summaries.map((s) => ({ ...s, size: noisyCount(s.size, privacy, source) }));
  const total = sized.reduce((sum, s) => sum + s.size, 0);
  const shared = exact ? sized : sized.map((s) => ({ ...s, share: total > 0 ? Math.round((s.size / total) * 1e4) / 1e4 : 0 }));
  const { shown, suppressed } = suppressSmallGroups(shared, (s) => s.size, options.minGroupSize);
  const visible = new Set(shown.map((s) => s.segment));
  return {
    segments: shown,
    hidden: new Set(summaries.filter((s) => !visible.has(s.segment)).map((s) => s.segment)),
    suppressed,
    users: shown.reduce((sum, s) => sum + s.size, 0),
    noise: privacy.mode === 'exact' ? null : { epsilon: privacy.epsilon, sensitivity: 1, scale: laplaceScale(privacy) },
  };
}
