import type { Candidate } from '../explore/index.js';
import type { Decision, DecisionCandidate, ShownItem, Store } from '../store/index.js';
import type { Recommendation } from './pipeline.js';

export interface DecisionLogOptions {
  store: Store;
  /** Candidates stored per decision (the best ones, plus every shown item); 0 = nothing is logged. */
  maxCandidates: number;
  warn: (message: string, error: unknown) => void;
}

/** One served slate to log. */
export interface ServedSlate {
  rec: Recommendation;
  /** What the policy chose from (the pipeline's `candidates`). */
  candidates: readonly Candidate[];
  /** Stored (possibly pseudonymised) user id: erasing the user deletes the decision. */
  userId: string;
  timestampMs: number;
}

/** The decision record of a served slate: what the policy chose from, at most `maxCandidates` plus every shown item. */
function decisionOf(slate: ServedSlate, maxCandidates: number): Decision {
  const { rec } = slate;
  return {
    recommendationId: rec.recommendationId,
    userId: slate.userId,
    timestamp: slate.timestampMs,
    policy: rec.policy,
    exploreWeight: rec.exploreWeight,
    ...(rec.experiment ? { arm: `${rec.experiment.id}/${rec.experiment.arm}` } : {}),
    candidates: keptCandidates(
      slate.candidates,
      rec.items.map((i) => i.itemId),
      maxCandidates,
    ),
  };
}

/**
 * The record of a served slate in `'slate'` mode: its decision row with the shown items (their
 * propensities and pin marks), written even when no candidates are kept (`maxCandidates` 0).
 */
export function slateDecision(slate: ServedSlate, shown: ShownItem[], maxCandidates: number, sessionId: string | null): Decision {
  return { ...decisionOf(slate, maxCandidates), shown, ...(sessionId === null ? {} : { sessionId }) };
}

/**
 * The first `max` candidates (the policy receives them best first) plus any shown item beyond them, so
 * every logged impression stays inside its logged candidate set. Embeddings are left out (derived data).
 */
export function keptCandidates(candidates: readonly Candidate[], shown: readonly string[], max: number): DecisionCandidate[] {
  const extra = new Set(shown);
  const out: DecisionCandidate[] = [];
  candidates.forEach((c, rank) => {
    if (rank >= max && !extra.has(c.itemId)) return;
    out.push(c.cluster === undefined ? { itemId: c.itemId, score: c.score } : { itemId: c.itemId, score: c.score, cluster: c.cluster });
  });
  return out;
}

/**
 * Buffers the decision behind each logged slate (its candidate set, policy and explore weight) and writes
 * the buffer with the runtime's impression flush, so `curio ope` can evaluate a policy on the candidates the
 * logging policy actually had.
 */
export class DecisionLog {
  private buffer: Decision[] = [];

  constructor(private readonly options: DecisionLogOptions) {}

  /** Buffers the decision of a slate whose impressions are being logged. */
  add(slate: ServedSlate): void {
    if (this.options.maxCandidates === 0) return;
    this.buffer.push(decisionOf(slate, this.options.maxCandidates));
  }

  /** Whether a decision of this user waits to be written. */
  holds(userId: string): boolean {
    return this.buffer.some((d) => d.userId === userId);
  }

  /** Drops buffered decisions of an erased user, so none is written after the erasure. */
  forget(userId: string): void {
    this.buffer = this.buffer.filter((d) => d.userId !== userId);
  }

  /**
   * Writes every buffered decision of users who still allow tracking (one may have withdrawn it on another
   * node since their slate was served); a failure is reported, not thrown (the slates were already served).
   */
  async flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    const { store, warn } = this.options;
    try {
      const refused = await store.trackingRefused([...new Set(batch.map((d) => d.userId))]);
      const kept = refused.size === 0 ? batch : batch.filter((d) => !refused.has(d.userId));
      if (kept.length > 0) await store.appendDecisions(kept);
    } catch (e) {
      warn('decision logging failed', e);
    }
  }
}
