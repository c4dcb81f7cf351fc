import { PairMisfit } from './pair-misfit.js';

/**
 * The last two showings of recently shown shopper × item pairs, for measuring the pair effect (pair-misfit.ts)
 * from live feedback. A showing's outcome is known only when its click arrives (or never), so each repeat is
 * counted in two steps that sum to the moment estimate's term y₁y₂ − q̂₁q̂₂: −q̂₁q̂₂ when the second showing's
 * impression arrives, + y₁ when its click does.
 *
 * Held in typed arrays, direct-mapped by the pair's 53-bit hash: a pair whose slot another pair takes is
 * forgotten, which costs the estimate a sample and nothing else. Nothing here names a shopper or an item, and
 * it lives in memory only: the policy's saved state holds the estimate's three sums, never a pair.
 */
export class PairShowings {
  private readonly keys: Float64Array;
  /** The current showing's prediction, and its outcome and the previous showing's (bit 0: current taken, bit 1: previous taken, bit 2: has a previous). */
  private readonly predicted: Float32Array;
  /** The probit link's slope at that prediction (pair-misfit.ts), from the posterior. */
  private readonly slope: Float32Array;
  private readonly flags: Uint8Array;

  constructor(
    readonly misfit: PairMisfit,
    capacity = 1 << 18,
  ) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(1, capacity)));
    this.keys = new Float64Array(slots);
    this.predicted = new Float32Array(slots);
    this.slope = new Float32Array(slots);
    this.flags = new Uint8Array(slots);
  }

  /** A new showing of `pair` with the posterior's probability that it is taken there, and φ at it. */
  shown(pair: number, predicted: number, slope: number): void {
    const at = this.slot(pair);
    const stored = pair + 1;
    if (this.keys[at] === stored) {
      const previousTaken = this.flags[at] & 1;
      this.misfit.addPredictions(this.predicted[at], this.slope[at], predicted, slope);
      this.flags[at] = (previousTaken << 1) | 4;
    } else {
      this.keys[at] = stored;
      this.flags[at] = 0;
    }
    this.predicted[at] = predicted;
    this.slope[at] = slope;
  }

  /** The current showing of `pair` was taken (each showing's first click or purchase only). */
  taken(pair: number): void {
    const at = this.slot(pair);
    if (this.keys[at] !== pair + 1 || this.flags[at] & 1) return;
    this.flags[at] |= 1;
    if (this.flags[at] & 4) this.misfit.addOutcomes((this.flags[at] >> 1) & 1);
  }

  private slot(pair: number): number {
    // The hash's low bits are as mixed as its high ones (id-hash.ts); a 53-bit number is not a 32-bit int.
    return (pair % this.keys.length) | 0;
  }
}
