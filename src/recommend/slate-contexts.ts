import { standardScores, type Candidate } from '../explore/index.js';

/** What a policy that reads the user vector was shown one slot with: its feedback needs the same. */
export interface SlotContext {
  state: Float32Array | null;
  /** The item's standardised score among the slate's candidates. */
  score: number;
  uncertainty: number | undefined;
}

/**
 * One slate's context, compact because tens of thousands are kept: the shown ids (the strings the
 * snapshot already holds) and, per shown item k, its standardised score at 2k and its uncertainty at 2k + 1
 * (NaN when the candidate had none). A Map of small objects per slate cost several times the memory.
 */
interface SlateContext {
  /** The stored id of the user it was served to, so an erasure finds their slates. */
  userId: string;
  state: Float32Array | null;
  shown: string[];
  values: Float64Array;
}

/**
 * The contexts of the last slates served by a policy with `usesState` (neural-thompson, neural-ucb), by
 * recommendation id, so the impression and the click that come back later update the posterior along the
 * user vector the slate was chosen with. Only shown items are kept, and the vector is the user-vector
 * cache's own (not a copy). The oldest are forgotten beyond `capacity`; their late outcomes then update
 * the item's bias only.
 */
export class SlateContexts {
  private readonly slates = new Map<string, SlateContext>();

  constructor(readonly capacity = 50_000) {}

  get size(): number {
    return this.slates.size;
  }

  remember(
    recommendationId: string,
    userId: string,
    state: Float32Array | null,
    candidates: readonly Candidate[],
    shown: readonly string[],
  ): void {
    if (this.capacity === 0) return;
    const standard = standardScores(candidates);
    const at = new Map(candidates.map((c, i) => [c.itemId, i]));
    const kept = shown.filter((id) => at.has(id));
    const values = new Float64Array(2 * kept.length);
    kept.forEach((id, k) => {
      const i = at.get(id) as number;
      values[2 * k] = standard[i];
      values[2 * k + 1] = candidates[i].uncertainty ?? Number.NaN;
    });
    this.slates.set(recommendationId, { userId, state, shown: kept, values });
    if (this.slates.size > this.capacity) this.slates.delete(this.slates.keys().next().value as string);
  }

  /** Whether a slate served to this user is kept. */
  holds(userId: string): boolean {
    for (const slate of this.slates.values()) if (slate.userId === userId) return true;
    return false;
  }

  /** Drops every slate served to an erased user (their vector and scores): their late outcomes teach nothing. */
  forget(userId: string): number {
    let dropped = 0;
    for (const [id, slate] of this.slates) {
      if (slate.userId !== userId) continue;
      this.slates.delete(id);
      dropped++;
    }
    return dropped;
  }

  get(recommendationId: string, itemId: string): SlotContext | undefined {
    const slate = this.slates.get(recommendationId);
    const k = slate ? slate.shown.indexOf(itemId) : -1;
    if (!slate || k < 0) return undefined;
    const uncertainty = slate.values[2 * k + 1];
    return { state: slate.state, score: slate.values[2 * k], uncertainty: Number.isNaN(uncertainty) ? undefined : uncertainty };
  }
}
